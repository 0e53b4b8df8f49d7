"""Memory per gunicorn worker with a warm 100,000-response wave (not part of the test suite).

Fills a SQLite file (or ``--postgres URL``, an empty database) like benchmarks/dashboard.py
(:func:`build`: about N responses in one closed wave over some 300 units), starts gunicorn with
``--workers`` (default 4) on it, lets each worker warm its results caches (the background
warm-up of :mod:`webapp.results.warm`, which every worker runs when it starts) and prints each
worker's resident memory (VmRSS) every few seconds until it stops growing, then the figure.

    python benchmarks/memory.py              # N = 100,000, SQLite, 4 workers
    python benchmarks/memory.py --n 20000
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _module(name: str):
    spec = importlib.util.spec_from_file_location(
        f"samen_{name}", Path(__file__).parent / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()
    dashboard, load = _module("dashboard"), _module("load")
    from surveys.db import Database

    with tempfile.TemporaryDirectory(prefix="samen-memory-") as tmp:
        folder = Path(tmp)
        url = args.postgres or f"sqlite:///{folder / 'samen.db'}"
        db = Database(url)
        db.upgrade()
        began = time.perf_counter()
        dashboard.build(db, args.n)
        db.dispose()
        print(f"filled {args.n} responses in {time.perf_counter() - began:.0f} s")
        with load.gunicorn(url, folder, args.workers) as (_port, process):
            workers = load._children(process.pid)
            previous, steady = 0.0, 0
            for _ in range(120):
                time.sleep(5)
                rss = [load._rss_mb(pid) for pid in workers]
                print("  worker RSS MB:", " ".join(f"{r:6.1f}" for r in rss))
                steady = steady + 1 if abs(sum(rss) - previous) < 2 else 0
                previous = sum(rss)
                if steady >= 3:
                    break
            print(
                f"{args.workers} workers, warm wave of {args.n} responses: "
                f"max {max(rss):.0f} MB, total {sum(rss):.0f} MB resident"
            )


if __name__ == "__main__":
    main()
