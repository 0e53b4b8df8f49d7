"""Data model of an instrument: what a loaded, validated YAML file becomes.

Everything is frozen: an instrument is vocabulary shared by the engine, the storage layer and
the web application, and nobody changes it after loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Instrument", "Item", "OpenQuestion", "ResponseScale", "Scale"]


@dataclass(frozen=True)
class ResponseScale:
    """A named set of answer options.

    ``points`` are integer codes in display order (e.g. ``(1, 2, 3, 4, 5)``); ``labels`` maps a
    language to a label per point. ``not_applicable`` is the label per language of the optional
    extra answer ("not applicable: nothing happened") and ``prefer_not_to_say`` that of a second
    one ("prefer not to say"); both are stored and scored as missing.
    ``ordinal`` is False for categorical questions (demographics), which are never scored.
    """

    id: str
    points: tuple[int, ...]
    labels: dict[str, dict[int, str]]
    not_applicable: dict[str, str] | None = None
    ordinal: bool = True
    prefer_not_to_say: dict[str, str] | None = None

    @property
    def minimum(self) -> int:
        return min(self.points)

    @property
    def maximum(self) -> int:
        return max(self.points)

    @property
    def n_options(self) -> int:
        """Number of substantive options (A in rwg's null variance (A^2 - 1) / 12)."""
        return len(self.points)


@dataclass(frozen=True)
class Item:
    """One question. ``scored`` is False for items of an unscored scale or a categorical scale."""

    id: str
    text: dict[str, str]
    response_scale: ResponseScale
    reverse: bool = False
    scored: bool = True


@dataclass(frozen=True)
class OpenQuestion:
    """An open question: answered in the respondent's own words, never scored.

    Its answers are stored as comments that name the question (``comments.question``), apart
    from the closed answers, and shown only under the comment rules (threshold in writers).
    """

    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Scale:
    """A facet: a named group of items. Unscored scales group questions for display only."""

    id: str
    name: dict[str, str]
    items: tuple[Item, ...]
    scored: bool = True


@dataclass(frozen=True)
class Instrument:
    """A validated instrument."""

    id: str
    version: str
    languages: tuple[str, ...]
    title: dict[str, str]
    description: dict[str, str]
    response_scales: dict[str, ResponseScale]
    scales: tuple[Scale, ...]
    sensitive: bool = False
    construct: dict[str, str] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    path: Path | None = None
    open_questions: tuple[OpenQuestion, ...] = ()

    @property
    def items(self) -> tuple[Item, ...]:
        """All items in instrument order."""
        return tuple(item for scale in self.scales for item in scale.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)
