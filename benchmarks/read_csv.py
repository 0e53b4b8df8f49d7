"""Benchmark of the CSV reader of ``samen analyze`` / ``samen compare`` (not part of the suite).

Generates a CSV of N respondents x 40 five-point answers (1-5, 3% empty cells) with a team
column (N / 50 teams), about 85 MB at N = 1,000,000, and measures, each in a fresh process
under ``/usr/bin/time`` (wall time and peak resident memory of the whole process):

* ``reader``: :func:`webapp.cli.analyze_input.load_csv` alone (start, imports, read, the
  frame of 40 float columns and the team column), as `samen analyze` and `samen compare`
  call it;
* ``careful``: the pandas reader the fast one falls back on (and that every file went
  through before), for comparison (``--careful``);
* ``analyze``: ``samen analyze DATA.csv --scale ... --range 1-5 --format json`` as a whole
  process; this also runs every statistic (EFA, CFA, omega, ...) on the N rows, so its time
  is mostly not the reader's (``--analyze``).

    python benchmarks/read_csv.py                       # N = 1,000,000: the reader
    python benchmarks/read_csv.py --careful --analyze   # ... and the others
    python benchmarks/read_csv.py --n 100000 --analyze

Target (issue 10): 1,000,000 x 40 read in <= 5 s and <= 1 GB as a whole process. The
verdict uses the CPU time (user + system): on a shared machine the wall time also counts the
time spent waiting for a core, and the load average is printed to say how much.
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
TARGET_SECONDS, TARGET_MB = 5.0, 1024.0

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
            scales = [
                f"s{s + 1}=" + ",".join(f"q{s * ITEMS_PER_SCALE + i + 1}" for i in range(5))
                for s in range(N_ITEMS // ITEMS_PER_SCALE)
            ]
            cli = [python, "-m", "webapp.cli", "analyze", str(path), "--range", "1-5"]
            cli += [arg for scale in scales for arg in ("--scale", scale)]
            runs.append(("analyze", [*cli, "--format", "json", "--out", os.devnull]))
        for name, args in runs:
            seconds, cpu, megabytes, said = measure(args)
            mark = ""
            if name == "reader" and opts.n == 1_000_000:
                # CPU time: what the process needs on an idle core (the reader is single-
                # threaded); the wall time also counts waiting for a core on a busy machine
                ok = cpu <= TARGET_SECONDS and megabytes <= TARGET_MB
                mark = f"  (target <= {TARGET_SECONDS:g} s, <= {TARGET_MB:g} MB: "
                mark += "met)" if ok else "NOT met)"
            print(
                f"{name:8} {seconds:6.2f} s wall {cpu:6.2f} s CPU {megabytes:6.0f} MB peak RSS"
                f"{mark}  [{said}]"
            )


if __name__ == "__main__":
    main()
