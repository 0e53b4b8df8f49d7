"""Benchmark of the CSV reader of ``samen analyze`` / ``samen compare`` (not part of the suite).

Generates a CSV of N respondents x 40 five-point answers (1-5, 3% empty cells) with a team
column (N / 50 teams), about 85 MB at N = 1,000,000, and measures, each in a fresh process
under ``/usr/bin/time`` (wall time, CPU time and peak resident memory of the whole process):

* ``reader``: :func:`webapp.cli.analyze_input.load_csv` alone (start, imports, read, the
  frame of 40 float columns and the team column), as `samen analyze` and `samen compare`
  call it;
* ``careful``: the pandas reader the fast one falls back on (and that every file went
  through before), for comparison (``--careful``);
* ``analyze``: ``samen analyze DATA.csv --scale ... --range 1-5 --format json`` as a whole
  process (8 scales of 5 items; ``--reverse`` marks the first item of each reverse-keyed,
  which costs a keyed copy of the answers); this also runs every statistic (alpha, ordinal
  alpha, EFA, CFA, omega, ...) on the N rows (``--analyze``).

    python benchmarks/read_csv.py                       # N = 1,000,000: the reader
    python benchmarks/read_csv.py --careful --analyze   # ... and the others
    python benchmarks/read_csv.py --n 100000 --analyze --repeat 3

Targets (issue 10): 1,000,000 x 40 read in <= 5 s and <= 1 GB as a whole process, and
``samen analyze`` at 100,000 x 40 in <= 2 s as a whole process (1,000,000 x 40: <= 5 s,
<= 1 GB). The verdict uses the CPU time (user + system): on a shared machine the wall time
also counts the time spent waiting for a core, and the load average is printed to say how
much. With ``--repeat`` each process runs that many times and the run with the least CPU
time is printed (the others were slowed by their neighbours).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_ITEMS = 40
ITEMS_PER_SCALE = 5
#: whole-process targets: (name, respondents) -> (CPU seconds, peak MB)
TARGETS = {
    ("reader", 1_000_000): (5.0, 1024.0),
    ("analyze", 1_000_000): (5.0, 1024.0),
    ("analyze", 100_000): (2.0, None),
}

READER = """
import sys
from pathlib import Path
from webapp.cli.analyze_input import load_csv
items = [f"q{i + 1}" for i in range(int(sys.argv[2]))]
frame = load_csv(Path(sys.argv[1]), items, "team")
print(frame.shape, int(frame["q1"].isna().sum()), frame["team"].nunique())
"""

CAREFUL = """
import sys
from pathlib import Path
from webapp.cli.csv_answers import _careful, sniff
items = [f"q{i + 1}" for i in range(int(sys.argv[2]))]
header, delimiter = sniff(Path(sys.argv[1]))
frame = _careful(Path(sys.argv[1]), header, delimiter, items, ["team"])
print(frame.shape, int(frame["q1"].isna().sum()), frame["team"].nunique())
"""


def generate(path: Path, n: int, missing: float = 0.03, seed: int = 0) -> None:
    """Write the CSV: ``team,q1,...,q40``, answers 1-5 from a one-factor model per scale."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {
        "team": pa.array(np.char.add("T", rng.integers(0, max(n // 50, 2), n).astype(str)))
    }
    cuts = np.array([-1.5, -0.5, 0.5, 1.5])
    for scale in range(N_ITEMS // ITEMS_PER_SCALE):
        factor = rng.standard_normal(n)
        for item in range(ITEMS_PER_SCALE):
            latent = 0.7 * factor + 0.71 * rng.standard_normal(n)
            answers = (np.searchsorted(cuts, latent) + 1).astype("int8")
            name = f"q{scale * ITEMS_PER_SCALE + item + 1}"
            columns[name] = pa.array(answers, mask=rng.random(n) < missing)
    with path.open("wb") as handle:
        handle.write((",".join(columns) + "\n").encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(pa.table(columns), handle, options)


def measure(args: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MB) of one process, and what
    it printed. On a shared machine the wall time includes waiting for a core: the CPU
    time is what the process itself needed."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %U %S %M", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    last = [line for line in done.stderr.splitlines() if line.startswith("TIME ")]
    if done.returncode != 0 or not last:
        raise SystemExit(f"{args[:3]} failed:\n{done.stderr[-2000:]}")
    _, seconds, user, system, kilobytes = last[-1].split()
    cpu = float(user) + float(system)
    return float(seconds), cpu, int(kilobytes) / 1024, done.stdout.strip()[:200]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents (rows)")
    parser.add_argument("--careful", action="store_true", help="also the pandas reader")
    parser.add_argument("--analyze", action="store_true", help="also samen analyze")
    parser.add_argument("--keep", type=Path, help="keep the CSV at this path")
    parser.add_argument("--reverse", action="store_true", help="reverse-key one item a scale")
    parser.add_argument("--repeat", type=int, default=1, help="runs per process (least CPU)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = opts.keep or Path(tmp) / "answers.csv"
        if not path.exists():
            generate(path, opts.n)
        size = path.stat().st_size / 1e6
        print(f"{path.name}: {opts.n:,} rows x {N_ITEMS} items + team, {size:.0f} MB")
        print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        python = sys.executable
        runs = [("reader", [python, "-c", READER, str(path), str(N_ITEMS)])]
        if opts.careful:
            runs.append(("careful", [python, "-c", CAREFUL, str(path), str(N_ITEMS)]))
        if opts.analyze:
            minus = "-" if opts.reverse else ""
            scales = [
                f"s{s + 1}={minus}"
                + ",".join(f"q{s * ITEMS_PER_SCALE + i + 1}" for i in range(ITEMS_PER_SCALE))
                for s in range(N_ITEMS // ITEMS_PER_SCALE)
            ]
            cli = [python, "-m", "webapp.cli", "analyze", str(path), "--range", "1-5"]
            cli += [arg for scale in scales for arg in ("--scale", scale)]
            runs.append(("analyze", [*cli, "--format", "json", "--out", os.devnull]))
        for name, args in runs:
            tries = [measure(args) for _ in range(max(opts.repeat, 1))]
            seconds, cpu, megabytes, said = min(tries, key=lambda run: run[1])
            megabytes = max(run[2] for run in tries)
            mark = ""
            target = TARGETS.get((name, opts.n))
            if target is not None:
                # CPU time: what the process needs on an idle core (reader and statistics
                # are single-threaded); the wall time also counts waiting for a core
                limit, memory = target
                ok = cpu <= limit and (memory is None or megabytes <= memory)
                mark = f"  (target <= {limit:g} s" + (f", <= {memory:g} MB" if memory else "")
                mark += ": met)" if ok else ": NOT met)"
            print(
                f"{name:8} {seconds:6.2f} s wall {cpu:6.2f} s CPU {megabytes:6.0f} MB peak RSS"
                f"{mark}  [{said}]"
            )
        print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
