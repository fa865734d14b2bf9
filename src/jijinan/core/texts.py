"""Texts kept for later display (timeline entries, notices): the message's Chinese source and its
parameters are stored, so the text is shown in the reader's language rather than the writer's.

A stored text is JSON: ``{"msg": source, "params": {...}}`` (translated with the catalogue),
``{"zh": …, "en": …}`` (a word list entry's two names), ``{"join": [...], "sep": …}`` (parts shown
one after the other), or a plain string or number shown as it is. Sources are marked for the
catalogue with ``gettext_noop`` where they are written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from jijinan.core.vocabulary import Vocabulary, in_active_language

Stored = dict[str, Any]


def source_of(label: Any) -> str:
    """The Chinese source of a lazily translated label (a choice's label, a marked string)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def _param(value: Any) -> Any:
    if isinstance(value, dict) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, Promise):
        return {"msg": source_of(value)}
    if isinstance(value, Vocabulary):
        return {"zh": value.name, "en": value.name_en}
    return "" if value is None else str(value)


def message(source: str, params: Mapping[str, Any] | None = None) -> Stored:
    """A message to translate when shown: ``source`` is the Chinese text with ``%(name)s``
    placeholders; a parameter may be a lazy label, a word list entry, another stored text or a
    plain value."""
    stored: Stored = {"msg": source}
    if params:
        stored["params"] = {name: _param(value) for name, value in params.items()}
    return stored


def joined(parts: list[Any], sep: str = "") -> Stored:
    """Stored texts shown one after another, ``sep`` between them."""
    return {"join": [_param(p) for p in parts], "sep": sep}


def _render(value: Any) -> str:
    if isinstance(value, dict):
        if "join" in value:
            return str(value.get("sep", "")).join(_render(p) for p in value["join"])
        if "zh" in value:
            return in_active_language(str(value["zh"]), str(value.get("en") or ""))
        text = gettext(str(value["msg"]))
        params = value.get("params")
        return text % {name: _render(p) for name, p in params.items()} if params else text
    return str(value)


def render(stored: Any, fallback: str = "") -> str:
    """The stored text in the active language; ``fallback`` (the text as it was written) when
    there is none or it cannot be read (a row written before texts were kept this way)."""
    if not stored:
        return fallback
    try:
        return _render(stored)
    except (KeyError, TypeError, ValueError):
        return fallback


def render_source(stored: Any) -> str:
    """The stored text in Chinese, as kept in the plain text column for search and for readers
    that do not translate."""
    with translation.override(settings.LANGUAGE_CODE):
        return render(stored)
