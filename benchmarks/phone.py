"""The dashboard on an emulated phone (not part of the test suite).

Serves the demo hospital (:func:`surveys.demo.build_demo`) on a SQLite file in a temporary
folder with the werkzeug server of ``samen serve``, signs in as the demo's manager in headless
Chromium (Playwright, ``/usr/bin/chromium``) at 360x740, then throttles like a phone on slow
4G (Chrome DevTools' "Slow 4G"/Lighthouse mobile profile: 562.5 ms round trip, 1.47 Mbit/s
down, 675 kbit/s up) with a 4x slower CPU, through the DevTools protocol
(``Network.emulateNetworkConditions``, ``Emulation.setCPUThrottlingRate``), and measures the
manager's dashboard page:

* first load: empty cache, from navigation to the first paint, ``DOMContentLoaded`` and the
  ``load`` event (the charts are inline SVG drawn by the server, so they come with the
  page), then the reader scrolls to the first chart at once: "chart in view" is navigation
  to that chart in view;
* repeat load: the same page again in the same browser (cached assets).

It prints those times, the bytes transferred, the page's main-thread time by kind (DevTools
``Performance.getMetrics``, already slowed down 4x), and for the first load each file's start,
end and transfer size (Resource Timing) to show what the remaining seconds are.

    python benchmarks/phone.py            # median of --repeat (default 3) runs

Target (issue 15): first load <= 3 s on that profile; the tables stay readable without
JavaScript.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PHONE = {"width": 360, "height": 740}
SLOW_4G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
    "uploadThroughput": 750 * 1024 / 8 * 0.9,
}
CPU_SLOWDOWN = 4
#: Main-thread time of the page (its document, from navigation to the first chart drawn) from
#: the DevTools ``Performance.getMetrics`` counters, in seconds, already slowed down by the CPU
#: throttle.
CPU_METRICS = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")
_RESOURCES: list[list[list[Any]]] = []


def _metrics(cdp: Any) -> dict[str, float]:
    found = cdp.send("Performance.getMetrics")["metrics"]
    return {m["name"]: m["value"] for m in found if m["name"] in CPU_METRICS}


def serve_demo(folder: Path) -> tuple[Any, str, Any]:
    from surveys.db import Database
    from surveys.demo import build_demo
    from webapp import create_app
    from webapp.cli.serve import serve_in_thread
    from webapp.config import TestConfig

    database = Database(f"sqlite:///{folder / 'samen.db'}")
    database.upgrade()
    info = build_demo(database, links=0)
    app = create_app({**TestConfig.as_dict(), "SAMEN_DATABASE": database})
    server = serve_in_thread(app)
    return info, f"http://127.0.0.1:{server.server_port}", server


def measure(browser: Any, base: str, info: Any) -> tuple[dict[str, float], dict[str, float]]:
    account = next(a for a in info.accounts if a.role == "manager")
    context = browser.new_context(viewport=PHONE, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", account.email)
    page.fill("input[name=password]", account.password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state("load")
    # Leave the page signing in landed on, so none of its work runs into the measured load.
    page.goto("about:blank")
    url = f"{base}/dashboard/{info.survey}/{info.waves[-2]}/{account.unit}"
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e.get("encodedDataLength", 0)),
    )
    cdp.send("Performance.enable")
    results = []
    for visit in ("first", "repeat"):
        sizes.clear()
        began = time.perf_counter()
        page.goto(url, wait_until="load")
        loaded = time.perf_counter() - began
        # The reader scrolls to the first chart at once (inline SVG: drawn with the page).
        page.locator(".chart svg").first.scroll_into_view_if_needed()
        page.wait_for_selector(".chart svg", state="visible")
        charted = time.perf_counter() - began
        after = _metrics(cdp)
        timing = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " const p = performance.getEntriesByName('first-contentful-paint')[0];"
            " return [n.responseStart, n.responseEnd, n.domContentLoadedEventEnd,"
            " p ? p.startTime : NaN]; }"
        )
        results.append(
            {
                "HTML first byte s": timing[0] / 1000,
                "HTML done s": timing[1] / 1000,
                "first paint s": timing[3] / 1000,
                "DOM ready s": timing[2] / 1000,
                "load s": loaded,
                "chart in view s": charted,
                "KB": sum(sizes.values()) / 1024,
                **{f"CPU {key} s": after[key] for key in CPU_METRICS},
            }
        )
        if visit == "first":
            resources = page.evaluate(
                "() => performance.getEntriesByType('resource').map(r =>"
                " [r.name.split('/').pop().split('?')[0], r.startTime, r.responseEnd,"
                " r.transferSize])"
            )
            _RESOURCES.append(resources)
    context.close()
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="samen-phone-"))
    try:
        info, base, server = serve_demo(folder)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            runs = [measure(browser, base, info) for _ in range(args.repeat)]
            browser.close()
        server.shutdown()
        print(
            f"dashboard page on a phone (slow 4G, {CPU_SLOWDOWN}x CPU), median of {args.repeat}:"
        )
        for index, name in enumerate(("first load", "repeat load")):
            for key in runs[0][index]:
                value = statistics.median(run[index][key] for run in runs)
                print(f"  {name:12} {key:22} {value:8.2f}")
        print("first load, each file (last run): start s, done s, KB transferred")
        for name, start, end, size in _RESOURCES[-1]:
            print(f"  {name[:40]:40} {start / 1000:6.2f} {end / 1000:6.2f} {size / 1024:8.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
