"""plotly.js and its style sheet, from the installed ``plotly`` package (no CDN).

plotly.js normally writes its few global CSS rules (modebar, notifier, cursors) into a
``<style>`` element it creates, which the application's Content-Security-Policy
(``style-src 'self'``) blocks. plotly.js skips that when the page already holds an element
``#plotly.js-style-global.no-inline-styles``; the dashboard links :func:`plotly_css` there,
made from the very rules of the installed plotly.js, so the two never disagree. Bundled
modules (maplibre's map styles) also add a ``<style>`` at load unless an element with their
id exists; :func:`plotly_style_guards` gives those ids, and the page holds empty elements
with them (the dashboard draws no maps).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["plotly_css", "plotly_js_path", "plotly_style_guards", "plotly_version"]

_ENTRY = re.compile(
    r"""\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*))\s*:\s*"""
    r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*,?"""
)


def plotly_js_path() -> Path:
    """The plotly.min.js bundled with the installed plotly package."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def plotly_version() -> str:
    import plotly

    return str(plotly.__version__)


@lru_cache(maxsize=1)
def plotly_style_guards() -> tuple[str, ...]:
    """Ids whose presence stops plotly.min.js from inserting a ``<style>`` when it loads."""
    text = plotly_js_path().read_text(encoding="utf-8")
    found = re.findall(
        r'getElementById\("([\w-]+)"\)\)\{var \w+=document\.createElement\("style"\)', text
    )
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def plotly_css() -> str:
    """plotly.js's global style rules as a style sheet ('' if they cannot be found).

    The rules are an object literal ``{"X,X div": "...", ...}`` in plotly.min.js, where
    ``X`` stands for ``.js-plotly-plot .plotly`` and ``Y`` for ``.plotly-notifier``. Rules
    that remove the focus outline are left out.
    """
    text = plotly_js_path().read_text(encoding="utf-8")
    start = text.find('{"X,X div":')
    end = text.find("};for(", start)
    if start < 0 or end < 0:
        return ""
    body = text[start + 1 : end]
    rules = []
    pos = 0
    while pos < len(body):
        match = _ENTRY.match(body, pos)
        if match is None:
            return ""
        key = match.group(1) or match.group(2) or match.group(3) or ""
        value = match.group(4) if match.group(4) is not None else match.group(5) or ""
        pos = match.end()
        if "outline:none" in value.replace(" ", ""):
            continue
        selector = (
            re.sub(r"^,", " ,", key)
            .replace("X", ".js-plotly-plot .plotly")
            .replace("Y", ".plotly-notifier")
        )
        rules.append(f"{selector}{{{value}}}")
    return "\n".join(rules) + "\n"
