"""Benchmark of the CFA optimiser on data without factor structure (not part of the tests).

Writes a CSV of N respondents x 40 answers drawn uniformly from 1-5 (8 scales x 5 items, no
factor structure at all: the case where L-BFGS-B once spent ~7 s before reporting
non-convergence), then runs ``samen analyze DATA.csv --range 1-5 --scale ... --format json``
as a whole process (start, imports, CSV read, every statistic, output) and prints its wall
and CPU time, the CFA's own time (``--timings`` is not a CLI option: measured in-process on
the same data), which optimiser answered and whether it converged.

    python benchmarks/cfa.py                 # N = 100,000, seed 0
    python benchmarks/cfa.py --n 20000 --seed 3 --repeat 3

Target (issue 10): whole process <= 2 s at N = 100,000 on the 2-core machine, judged on
CPU time (wall time on the shared machine mostly measures the other processes). lavaan
(``lavaan::cfa`` on the same CSV, seed 0) converges here after 1,454 nlminb iterations to an
improper solution (chi-square 615.996, df 712, TLI -1.529, negative residual variance of
s1_0 and factor variance of s3); the engine either finds that solution or says it did not
converge. Measured (seed 0): scoring in lavaan's parametrisation and the restart with
standardised factors both stall near chi-square 631 (a different basin); BFGS in lavaan's
scaling stops after its 500 iterations (in 2,185 iterations it wanders to 619.6 with a
Hessian far from positive definite), and the report says "did not converge". cfa() 0.56 s
CPU (0.86-1.1 s with L-BFGS-B before), the whole process 2.73-2.80 s CPU against
2.84-3.20 s for the code before, run alternately at load 10-12 (6.3 s before the Fisher
scoring optimiser).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_SCALES = 8
ITEMS_PER_SCALE = 5
TARGET_SECONDS = 2.0


def scales() -> dict[str, list[str]]:
    return {f"s{k}": [f"s{k}_{j}" for j in range(ITEMS_PER_SCALE)] for k in range(N_SCALES)}


def write_csv(path: Path, n: int, seed: int) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 6, size=(n, N_SCALES * ITEMS_PER_SCALE))
    header = ",".join(item for items in scales().values() for item in items)
    np.savetxt(path, answers, fmt="%d", delimiter=",", header=header, comments="")


def run_cli(path: Path) -> tuple[float, float, dict]:
    """Wall and CPU seconds of ``samen analyze`` as a child process, and its JSON."""
    args = [sys.executable, "-m", "webapp.cli", "analyze", str(path), "--range", "1-5"]
    for name, items in scales().items():
        args += ["--scale", f"{name}={','.join(items)}"]
    args += ["--format", "json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"samen analyze failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout)


def cfa_in_process(path: Path) -> tuple[float, float, object]:
    import pandas as pd

    from engine.psychometrics.cfa import cfa

    data = pd.read_csv(path)
    start, cpu = time.perf_counter(), time.process_time()
    res = cfa(data, scales())
    return time.perf_counter() - start, time.process_time() - cpu, res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "noise.csv"
        write_csv(path, options.n, options.seed)
        print(f"N = {options.n:,} random answers 1-5, {N_SCALES} scales x {ITEMS_PER_SCALE} items")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        for _ in range(options.repeat):
            wall, cpu, report = run_cli(path)
            cfa_report = report["cfa"]
            # CPU time: on the shared 2-core machine wall time mostly measures the others
            verdict = "met" if cpu <= TARGET_SECONDS else "MISSED"
            print(
                f"samen analyze (whole process): {wall:.2f} s wall, {cpu:.2f} s CPU "
                f"(target {TARGET_SECONDS:.0f} s: {verdict}); CFA converged: "
                f"{cfa_report['converged']}, optimiser {cfa_report.get('optimizer')}"
            )
        wall, cpu, res = cfa_in_process(path)
        print(f"cfa() alone: {wall:.2f} s wall, {cpu:.2f} s CPU; {'; '.join(res.notes)}")


if __name__ == "__main__":
    main()
