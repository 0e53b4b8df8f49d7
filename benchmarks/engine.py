"""Benchmark of the psychometric engine and of ``samen analyze`` (not part of the test suite).

Generates a synthetic survey — N respondents x 40 five-point items in 8 scales (one
reverse-keyed item per scale), from a latent model with a general factor and team effects (so
ICC(1) > 0), teams of varying size, 3% missing answers — and prints:

* the time of each stage of :func:`engine.report.pipeline.analyze` (scoring, reliability, EFA, CFA,
  omega, aggregation) and the total compute, with the peak resident memory of the process;
* the wall time of ``samen analyze DATA.csv --format json`` as a whole process (start,
  imports, CSV read, compute, output) on a CSV of the same data.

Each measurement runs in a fresh child process so its peak memory is its own.

    python benchmarks/engine.py              # N = 100,000 with 2,000 teams (+ the CLI)
    python benchmarks/engine.py --full       # ... and N = 1,000,000 with 20,000 teams
    python benchmarks/engine.py --n 250000   # one size only (teams = N / 50)

Targets (2-core machine): N = 100,000 full report <= 1 s compute, ``samen analyze`` <= 5 s;
N = 1,000,000 <= 15 s and <= 2 GB.
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
STAGES = ("scoring", "correlation", "reliability", "efa", "cfa", "omega", "aggregation")
TARGETS = {100_000: (1.0, 5.0, None), 1_000_000: (15.0, None, 2048.0)}


def generate(n: int, n_teams: int, missing: float = 0.03, seed: int = 0):
    """Synthetic answers (DataFrame, NaN = missing), team per respondent, and scale specs.

    Latent model: a general factor g; scale factor f_s = 0.5 g + 0.87 e_s + team effect
    (sd 0.35, ICC about 0.1); item = +-0.7 f_s + 0.71 e, cut into 5 points at
    (-1.5, -0.5, 0.5, 1.5). Team sizes follow a log-normal spread.
    """
    import numpy as np
    import pandas as pd

    from engine.report.pipeline import ScaleSpec

    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 0.6, n_teams)
    team = rng.choice(n_teams, size=n, p=weights / weights.sum())
    g = rng.standard_normal(n)
    cuts = np.array([-1.5, -0.5, 0.5, 1.5])
    columns: dict[str, np.ndarray] = {}
    specs = []
    for s in range(N_SCALES):
        effect = rng.normal(0.0, 0.35, n_teams)
        f = 0.5 * g + 0.87 * rng.standard_normal(n) + effect[team]
        items = []
        for i in range(ITEMS_PER_SCALE):
            name = f"s{s + 1}_{i + 1}"
            sign = -1.0 if i == ITEMS_PER_SCALE - 1 else 1.0
            latent = sign * 0.7 * f + 0.71 * rng.standard_normal(n)
            answers = (np.searchsorted(cuts, latent) + 1).astype("float64")
            answers[rng.random(n) < missing] = np.nan
            columns[name] = answers
            items.append(name)
        specs.append(ScaleSpec(f"scale{s + 1}", tuple(items), frozenset(items[-1:]), 1, 5))
    data = pd.DataFrame(columns)
    return data, pd.Series(team, name="team"), specs


def _child(n: int, n_teams: int) -> dict:
    """Generate and analyse in this process; report stage times and peak memory."""
    from engine.report.pipeline import analyze

    data, team, specs = generate(n, n_teams)
    rss_data = _maxrss_mb(resource.RUSAGE_SELF)
    # Warm-up on 500 respondents: the lazy imports (scipy.optimize, scipy.special, ...) are
    # process start-up cost, timed with the whole `samen analyze` process below.
    start = time.perf_counter()
    analyze(data.iloc[:500], specs, group=team.iloc[:500])
    warmup = time.perf_counter() - start
    timings: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    report = analyze(data, specs, group=team, timings=timings)
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "n": n,
        "n_teams": n_teams,
        "timings": timings,
        "total": total,
        "total_cpu": total_cpu,
        "load": os.getloadavg()[0],
        "warmup": warmup,
        "rss_after_data_mb": rss_data,
        "peak_rss_mb": _maxrss_mb(resource.RUSAGE_SELF),
        "icc1_scale1": report["scales"]["scale1"]["icc1"],
        "alpha_scale1": report["scales"]["scale1"]["alpha"],
        "notes": report["notes"],
    }


def _cli(n: int, n_teams: int) -> dict:
    """Write a CSV and time ``samen analyze --format json`` on it as a whole process."""
    data, team, specs = generate(n, n_teams)
    data.insert(0, "team", team)
    scale_args = []
    for spec in specs:
        keyed = [("-" if item in spec.reverse else "") + item for item in spec.items]
        scale_args += ["--scale", f"{spec.id}={','.join(keyed)}"]
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "survey.csv"
        data.to_csv(csv, index=False, float_format="%.0f")
        size_mb = csv.stat().st_size / 2**20
        out = Path(tmp) / "report.json"
        cmd = [
            sys.executable,
            "-m",
            "webapp.cli",
            "analyze",
            str(csv),
            *scale_args,
            "--group",
            "team",
            "--range",
            "1-5",
            "--format",
            "json",
            "--out",
            str(out),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"samen analyze failed: {done.stderr.strip()}")
        n_out = json.loads(out.read_text())["n"]
    return {
        "cpu": cpu,
        "load": os.getloadavg()[0],
        "n": n_out,
        "csv_mb": size_mb,
        "wall": wall,
        "peak_rss_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
    }


def _maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def _run_child(kind: str, n: int, n_teams: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--n", str(n), "--teams", str(n_teams)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _verdict(value: float, target: float | None, unit: str, cpu: float | None = None) -> str:
    """Target check; with `cpu`, also on CPU time (what an idle machine would take, since
    the report runs single-threaded, when other work shares the cores)."""
    if target is None:
        return ""

    def ok(x: float) -> str:
        return "met" if x <= target else "MISSED"

    if cpu is None:
        return f"   (target <= {target:g} {unit}: {ok(value)})"
    return f"   (target <= {target:g} {unit}: wall {ok(value)}, CPU {ok(cpu)})"


def _print_compute(res: dict) -> None:
    target = TARGETS.get(res["n"], (None, None, None))
    print(
        f"\nengine.report.analyze: N = {res['n']:,} respondents, {res['n_teams']:,} teams, "
        "40 items in 8 scales, 3% missing"
    )
    print(f"  (first call on 500 respondents, lazy imports included: {res['warmup']:.2f} s)")
    print(f"  {'stage':<12} {'wall':>8}   {'CPU':>7}   (load average {res['load']:.1f})")
    for stage in STAGES:
        wall, cpu = res["timings"].get(stage, 0.0), res["timings"].get(stage + ".cpu", 0.0)
        print(f"  {stage:<12} {wall:8.3f} s {cpu:7.3f} s")
    print(
        f"  {'total':<12} {res['total']:8.3f} s {res['total_cpu']:7.3f} s"
        + _verdict(res["total"], target[0], "s", res["total_cpu"])
    )
    peak, data = res["peak_rss_mb"], res["rss_after_data_mb"]
    print(
        f"  peak RSS     {peak:8.0f} MB (after generating the data: {data:.0f} MB)"
        + _verdict(peak, target[2], "MB")
    )
    print(f"  check: scale1 alpha {res['alpha_scale1']:.3f}, ICC(1) {res['icc1_scale1']:.3f}")
    for note in res["notes"]:
        print(f"  note: {note}")


def _print_cli(res: dict, n: int) -> None:
    target = TARGETS.get(n, (None, None, None))[1]
    print(
        f"\nsamen analyze --format json (whole process), N = {n:,} "
        f"(CSV {res['csv_mb']:.1f} MB): {res['wall']:.2f} s wall, {res['cpu']:.2f} s CPU, "
        f"peak RSS {res['peak_rss_mb']:.0f} MB, load average {res['load']:.1f}"
        + _verdict(res["wall"], target, "s", res["cpu"])
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, help="respondents (default 100,000)")
    parser.add_argument("--teams", type=int, help="teams (default N / 50)")
    parser.add_argument("--full", action="store_true", help="also N = 1,000,000")
    parser.add_argument("--no-cli", action="store_true", help="skip timing samen analyze")
    parser.add_argument("--child", choices=["compute", "cli"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        n = args.n
        fn = _child if args.child == "compute" else _cli
        print(json.dumps(fn(n, args.teams)))
        return
    sizes = [args.n] if args.n else [100_000] + ([1_000_000] if args.full else [])
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)")
    for n in sizes:
        teams = args.teams or max(2, n // 50)
        _print_compute(_run_child("compute", n, teams))
        if not args.no_cli and n <= 100_000:
            _print_cli(_run_child("cli", n, teams), n)


if __name__ == "__main__":
    main()
