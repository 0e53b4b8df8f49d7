# Short verbs: make demo | serve | test | lint | bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: the runtime alone (what `make demo` and `make serve` need) and the runtime with
# the test and lint tools (`make test`, `make lint`, `make format`, `make bench`).
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: demo serve test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(RUNTIME) $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# --dist worksteal: each worker starts with a contiguous half of the suite (a module's tests
# stay together, so its module-scoped demo and server are made once) and an idle worker
# takes half of what another has left, so a few long tests do not leave one core idle at
# the end. (It ignores xdist_group marks; the suite has none.)
test: lint
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=25

# Every benchmarks/*.py in turn (load.py needs PostgreSQL on 127.0.0.1:5432 for its second
# half, phone.py Chromium at /usr/bin/chromium).
bench: $(STAMP)
	set -e; for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script; done

# `make demo ARGS="--port 8000"`; `make serve` serves the demo again (or any database set
# with SAMEN_DATABASE_URL / SAMEN_INSTANCE_PATH).
ARGS ?=
demo: $(RUNTIME)
	$(BIN)/samen demo $(ARGS)

serve: $(RUNTIME)
	SAMEN_DATABASE_URL="$${SAMEN_DATABASE_URL:-sqlite:///$${SAMEN_INSTANCE_PATH:-$(CURDIR)/instance}/demo.db}" $(BIN)/samen serve $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
