"""The instrument schema (instruments/FORMAT.md): a parsed document to an Instrument or problems.

:class:`Checker` walks the document once, records every problem it meets (with the line from
:class:`~instruments.source.Document`) and builds the model objects for the parts that are
sound; an instrument is returned only when there was no problem at all.
"""

from __future__ import annotations

import re
from difflib import get_close_matches
from typing import Any

from instruments.checks import ID_PATTERN, BaseChecker, describe, is_int
from instruments.model import Instrument, Item, OpenQuestion, ResponseScale, Scale
from instruments.source import PathKey, format_path

__all__ = ["ID_PATTERN", "Checker"]

_LANGUAGE = re.compile(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?")

_TOP_REQUIRED = ("id", "version", "languages", "title", "description", "response_scales", "scales")
_TOP_KEYS = (*_TOP_REQUIRED, "sensitive", "construct", "references", "open_questions")
_RS_REQUIRED = ("points", "labels")
_RS_KEYS = (*_RS_REQUIRED, "ordinal", "not_applicable", "prefer_not_to_say")
_SCALE_REQUIRED = ("id", "name", "items")
_SCALE_KEYS = (*_SCALE_REQUIRED, "scored", "response_scale")
_ITEM_REQUIRED = ("id", "text")
_ITEM_KEYS = (*_ITEM_REQUIRED, "reverse", "response_scale")
_OPEN_KEYS = ("id", "text")


class Checker(BaseChecker):
    """Validate one parsed document; see :meth:`instrument`."""

    # -- the instrument ------------------------------------------------------------------

    def instrument(self, data: Any) -> Instrument | None:
        """Check the whole document; an Instrument when there is no problem, else None."""
        if data is None:
            self.add((), "the file is empty; expected an instrument (see instruments/FORMAT.md)")
            return None
        top = self.mapping(data, (), _TOP_KEYS, _TOP_REQUIRED, "the file")
        if top is None:
            return None
        self.languages = self.language_list(top["languages"]) if "languages" in top else None
        instrument_id = (
            self.identifier(top["id"], ("id",), "instrument id") if "id" in top else None
        )
        version = self.version(top["version"]) if "version" in top else None
        title = self.texts(top["title"], ("title",), "title") if "title" in top else None
        description = (
            self.texts(top["description"], ("description",), "description")
            if "description" in top
            else None
        )
        sensitive = self.flag(top, "sensitive", (), False)
        construct = (
            self.texts(top["construct"], ("construct",), "construct note")
            if "construct" in top
            else {}
        )
        references = self.references(top.get("references", []))
        raw_scales = top.get("response_scales")
        response_scales = self.response_scales(raw_scales) if "response_scales" in top else None
        self.item_ids: dict[str, str] = {}
        scales = (
            self.scales(top["scales"], raw_scales, response_scales) if "scales" in top else None
        )
        open_questions = self.open_questions(top.get("open_questions", []))
        if (
            self.problems
            or instrument_id is None
            or version is None
            or self.languages is None
            or title is None
            or description is None
            or construct is None
            or response_scales is None
            or scales is None
        ):
            return None
        return Instrument(
            id=instrument_id,
            version=version,
            languages=self.languages,
            title=title,
            description=description,
            response_scales=response_scales,
            scales=scales,
            sensitive=sensitive,
            construct=construct,
            references=references,
            open_questions=open_questions,
        )

    def language_list(self, value: Any) -> tuple[str, ...] | None:
        path: PathKey = ("languages",)
        if not isinstance(value, list) or not value:
            self.add(path, f"expected a non-empty list of language codes, got {describe(value)}")
            return None
        good: list[str] = []
        for index, lang in enumerate(value):
            if not isinstance(lang, str) or not _LANGUAGE.fullmatch(lang):
                self.add(
                    (*path, index),
                    f"expected a language code like nl or en, got {describe(lang)}",
                )
            elif lang in good:
                self.add((*path, index), f"language {lang!r} is listed twice")
            else:
                good.append(lang)
        return tuple(good) or None

    def version(self, value: Any) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        hint = f'; quote it: "{value}"' if is_int(value) or isinstance(value, float) else ""
        self.add(("version",), f"version must be text, got {describe(value)}{hint}")
        return None

    def references(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.add(("references",), f"expected a list of references, got {describe(value)}")
            return ()
        for index, ref in enumerate(value):
            if not isinstance(ref, str) or not ref.strip():
                self.add(("references", index), f"a reference must be text, got {describe(ref)}")
        return tuple(ref.strip() for ref in value if isinstance(ref, str))

    # -- response scales -----------------------------------------------------------------

    def response_scales(self, value: Any) -> dict[str, ResponseScale] | None:
        path: PathKey = ("response_scales",)
        if not isinstance(value, dict) or not value:
            self.add(
                path,
                "expected a mapping of named response scales (e.g. agree5: {points: ..., "
                f"labels: ...}}), got {describe(value)}",
            )
            return None
        out: dict[str, ResponseScale] = {}
        for name, body in value.items():
            here = (*path, str(name))
            before = len(self.problems)
            self.identifier(name, here, "response scale name")
            scale = self.response_scale(str(name), body, here)
            if scale is not None and len(self.problems) == before:
                out[scale.id] = scale
        return out

    def response_scale(self, name: str, body: Any, path: PathKey) -> ResponseScale | None:
        data = self.mapping(body, path, _RS_KEYS, _RS_REQUIRED, f"response scale {name!r}")
        if data is None:
            return None
        before = len(self.problems)
        ordinal = self.flag(data, "ordinal", path, True)
        points = self.points(data["points"], (*path, "points")) if "points" in data else None
        labels = (
            self.labels(data["labels"], (*path, "labels"), points) if "labels" in data else None
        )
        not_applicable = None
        if "not_applicable" in data:
            not_applicable = self.texts(
                data["not_applicable"], (*path, "not_applicable"), "'not applicable' label"
            )
        prefer_not = None
        if "prefer_not_to_say" in data:
            key = "prefer_not_to_say"
            prefer_not = self.texts(data[key], (*path, key), "'prefer not to say' label")
        if len(self.problems) != before or points is None or labels is None:
            return None
        return ResponseScale(name, points, labels, not_applicable, ordinal, prefer_not)

    def points(self, value: Any, path: PathKey) -> tuple[int, ...] | None:
        if not isinstance(value, list):
            self.add(path, f"expected a list of integer codes 0-9, got {describe(value)}")
            return None
        before = len(self.problems)
        good: list[int] = []
        for index, point in enumerate(value):
            if not is_int(point) or not 0 <= point <= 9:
                self.add((*path, index), f"a point must be an integer 0-9, got {describe(point)}")
            elif point in good:
                self.add((*path, index), f"point {point} is listed twice")
            else:
                good.append(point)
        if len(value) < 2:
            self.add(path, f"a response scale needs at least 2 points, got {len(value)}")
        return tuple(good) if len(self.problems) == before else None

    def labels(
        self, value: Any, path: PathKey, points: tuple[int, ...] | None
    ) -> dict[str, dict[int, str]] | None:
        """A label per point per language: ``{nl: {1: ..., 2: ...}, en: {...}}``."""
        if not isinstance(value, dict):
            self.add(path, f"expected labels per language, got {describe(value)}")
            return None
        before = len(self.problems)
        out: dict[str, dict[int, str]] = {}
        for lang, per_point in value.items():
            here = (*path, str(lang))
            if not self.known_language(lang, here):
                continue
            if not isinstance(per_point, dict):
                self.add(
                    here,
                    f"expected a label per point ({{1: ..., 2: ...}}), got {describe(per_point)}",
                )
                continue
            out[lang] = self.point_labels(lang, per_point, here, points)
        for lang in self.languages or ():
            if lang not in value:
                self.add((*path, lang), f"missing labels for language {lang!r}")
        return out if len(self.problems) == before else None

    def point_labels(
        self, lang: str, value: dict[Any, Any], path: PathKey, points: tuple[int, ...] | None
    ) -> dict[int, str]:
        out: dict[int, str] = {}
        for point, label in value.items():
            here = (*path, str(point))
            if not is_int(point):
                self.add(
                    here, f"a label key must be a point code (integer 0-9), got {describe(point)}"
                )
                continue
            if points is not None and point not in points:
                shown = ", ".join(map(str, points))
                self.add(here, f"label for point {point}, which is not in points [{shown}]")
                continue
            if not isinstance(label, str) or not label.strip():
                self.add(here, f"label must be text, got {describe(label)}")
                continue
            out[point] = label.strip()
        if points is not None:
            missing = [str(p) for p in points if p not in value]
            if missing:
                noun = "point" if len(missing) == 1 else "points"
                self.add(path, f"no {lang!r} label for {noun} {', '.join(missing)}")
        return {p: out[p] for p in points or () if p in out} or out

    def open_questions(self, value: Any) -> tuple[OpenQuestion, ...]:
        """Open questions: ``[{id, text}]``, ids unique among the instrument's items too."""
        path: PathKey = ("open_questions",)
        if not isinstance(value, list):
            self.add(path, f"expected a list of open questions, got {describe(value)}")
            return ()
        out: list[OpenQuestion] = []
        for index, entry in enumerate(value):
            here = (*path, index)
            data = self.mapping(entry, here, _OPEN_KEYS, _OPEN_KEYS, "an open question")
            if data is None:
                continue
            question_id = (
                self.identifier(data["id"], (*here, "id"), "open question id")
                if "id" in data
                else None
            )
            if question_id is not None:
                first = self.item_ids.setdefault(question_id, format_path((*here, "id")))
                if first != format_path((*here, "id")):
                    self.add((*here, "id"), f"duplicate id {question_id!r} (also at {first})")
                    question_id = None
            text = self.texts(data["text"], (*here, "text"), "text") if "text" in data else None
            if question_id is not None and text is not None:
                out.append(OpenQuestion(question_id, text))
        return tuple(out)

    # -- scales and items ----------------------------------------------------------------

    def scales(
        self, value: Any, raw_scales: Any, response_scales: dict[str, ResponseScale] | None
    ) -> tuple[Scale, ...] | None:
        path: PathKey = ("scales",)
        if not isinstance(value, list) or not value:
            self.add(path, f"expected a non-empty list of scales, got {describe(value)}")
            return None
        # Which response scales exist and which are ordinal, even when one of them is broken,
        # so that a broken response scale does not also make every item that uses it "unknown".
        declared: dict[str, bool] = {}
        if isinstance(raw_scales, dict):
            for name, body in raw_scales.items():
                ordinal = body.get("ordinal", True) if isinstance(body, dict) else True
                declared[str(name)] = ordinal if isinstance(ordinal, bool) else True
        context = _ScaleContext(declared, response_scales or {}, {}, self.item_ids)
        out = [self.scale(entry, (*path, index), context) for index, entry in enumerate(value)]
        if any(scale is None for scale in out):
            return None
        return tuple(scale for scale in out if scale is not None)

    def scale(self, value: Any, path: PathKey, context: _ScaleContext) -> Scale | None:
        data = self.mapping(value, path, _SCALE_KEYS, _SCALE_REQUIRED, "a scale")
        if data is None:
            return None
        before = len(self.problems)
        scale_id = self.identifier(data["id"], (*path, "id"), "scale id") if "id" in data else None
        if scale_id is not None:
            first = context.scale_ids.setdefault(scale_id, format_path((*path, "id")))
            if first != format_path((*path, "id")):
                self.add((*path, "id"), f"duplicate scale id {scale_id!r} (also at {first})")
        name = self.texts(data["name"], (*path, "name"), "name") if "name" in data else None
        scored = self.flag(data, "scored", path, True)
        default_rs = None
        if "response_scale" in data:
            default_rs = self.response_scale_ref(
                data["response_scale"], (*path, "response_scale"), context
            )
        items: list[Item | None] = []
        raw_items = data.get("items", [])
        if raw_items is None or raw_items == []:
            if "items" in data:
                self.add((*path, "items"), "the scale has no items; give at least one")
        elif not isinstance(raw_items, list):
            self.add((*path, "items"), f"expected a list of items, got {describe(raw_items)}")
        else:
            has_default = "response_scale" in data
            for index, entry in enumerate(raw_items):
                here = (*path, "items", index)
                items.append(self.item(entry, here, context, scored, default_rs, has_default))
        if len(self.problems) != before or scale_id is None or name is None:
            return None
        return Scale(scale_id, name, tuple(item for item in items if item is not None), scored)

    def response_scale_ref(self, value: Any, path: PathKey, context: _ScaleContext) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"expected the name of a response scale, got {describe(value)}")
            return None
        if value not in context.declared:
            known = ", ".join(context.declared) or "none"
            close = get_close_matches(value, list(context.declared), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.add(path, f"unknown response scale {value!r} (defined: {known}){hint}")
            return None
        return value

    def item(
        self,
        value: Any,
        path: PathKey,
        context: _ScaleContext,
        scale_scored: bool,
        default_rs: str | None,
        has_default: bool,
    ) -> Item | None:
        data = self.mapping(value, path, _ITEM_KEYS, _ITEM_REQUIRED, "an item")
        if data is None:
            return None
        before = len(self.problems)
        item_id = self.identifier(data["id"], (*path, "id"), "item id") if "id" in data else None
        if item_id is not None:
            first = context.item_ids.setdefault(item_id, format_path((*path, "id")))
            if first != format_path((*path, "id")):
                self.add((*path, "id"), f"duplicate item id {item_id!r} (also at {first})")
        text = self.texts(data["text"], (*path, "text"), "text") if "text" in data else None
        reverse = self.flag(data, "reverse", path, False)
        if "response_scale" in data:
            rs_name = self.response_scale_ref(
                data["response_scale"], (*path, "response_scale"), context
            )
        elif has_default:
            rs_name = default_rs
        else:
            rs_name = None
            self.add(
                (*path, "response_scale"),
                "missing response_scale: give one on the item or on its scale",
            )
        ordinal = context.declared.get(rs_name, True) if rs_name is not None else True
        scored = scale_scored and ordinal
        if reverse and not scored:
            why = (
                "its scale has scored: false"
                if not scale_scored
                else f"its response scale {rs_name!r} is categorical (ordinal: false)"
            )
            self.add((*path, "reverse"), f"reverse: true on an item that is never scored ({why})")
        response_scale = context.parsed.get(rs_name) if rs_name is not None else None
        if len(self.problems) != before or item_id is None or text is None:
            return None
        if response_scale is None:
            return None  # the response scale itself is broken; reported there
        return Item(item_id, text, response_scale, reverse, scored)


class _ScaleContext:
    """What every scale and item of one instrument shares while being checked."""

    def __init__(
        self,
        declared: dict[str, bool],
        parsed: dict[str, ResponseScale],
        scale_ids: dict[str, str],
        item_ids: dict[str, str],
    ) -> None:
        self.declared = declared  # name -> ordinal, for every response scale in the file
        self.parsed = parsed  # name -> ResponseScale, for the valid ones
        self.scale_ids = scale_ids  # id -> path where first seen
        self.item_ids = item_ids
