"""Shared helpers for engine tests: the R reference fixtures and the data sets behind them.

Reference JSON files live in ``tests/reference/`` (written by the R scripts beside them);
the data sets they were computed on live in ``tests/reference/data/``. Helpers are plain
functions (import them: ``from tests.engine.conftest import load_reference``) and are also
offered as pytest fixtures.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
DATA_DIR = REFERENCE_DIR / "data"


@functools.cache
def load_reference(name: str) -> dict[str, Any]:
    """The parsed JSON fixture ``tests/reference/<name>`` (``.json`` added if missing)."""
    if not name.endswith(".json"):
        name += ".json"
    with (REFERENCE_DIR / name).open(encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def _read_dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name)


def load_dataset(name: str) -> pd.DataFrame:
    """A fresh copy of the CSV data set ``tests/reference/data/<name>`` (missing = NaN)."""
    return _read_dataset(name).copy()


def keyed_items(case: dict[str, Any]) -> pd.DataFrame:
    """The items of a reference case, reverse-keyed as the R script did (low + high - x).

    `case` needs ``dataset``, ``items`` and optionally ``reverse``, ``low``, ``high``.
    """
    data = load_dataset(case["dataset"])[list(case["items"])].astype("float64")
    for item in case.get("reverse") or []:
        data[item] = case["low"] + case["high"] - data[item]
    return data


def case_id(case: dict[str, Any]) -> str:
    """Readable pytest id for a reference case: ``dataset:scale[:group]``."""
    parts = [case["dataset"].removesuffix(".csv"), case.get("scale", "")]
    if case.get("group"):
        parts.append(case["group"])
    return ":".join(p for p in parts if p)


@pytest.fixture
def reference():
    """Fixture form of :func:`load_reference`."""
    return load_reference


@pytest.fixture
def dataset():
    """Fixture form of :func:`load_dataset`."""
    return load_dataset
