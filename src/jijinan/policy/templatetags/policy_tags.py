"""`{% load policy_tags %}`: amounts in fen as yuan, explanation lines in the active language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from jijinan.core.vocabulary import english_active
from jijinan.policy.display import calculator_version_text, citation_text

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """12345678 → "123,456.78" (money is stored in integer fen; yuan only on screen)."""
    if fen is None:
        return "—"
    return f"{Decimal(int(fen)) / 100:,.2f}"


@register.filter
def in_language(record: dict[str, Any], key: str) -> str:
    """A stored line's ``<key>_zh`` or ``<key>_en``, by the active language."""
    return str(record.get(f"{key}_en" if english_active() else f"{key}_zh", ""))


@register.filter
def pick(form: Any, names: str) -> list[Any]:
    """The bound fields of ``form`` named in the space-separated ``names``, in that order."""
    return [form[name] for name in names.split()]


@register.filter
def citation(text: str | None) -> str:
    """A version's citation without the shipped defaults' maintenance markers (see policy.display)."""
    return citation_text(text or "")


@register.filter
def rules_version(version: str | None) -> str:
    """A calculator version as it reads: "temporary_assistance/1" → "临时救助 第 1 版"."""
    return calculator_version_text(version or "")
