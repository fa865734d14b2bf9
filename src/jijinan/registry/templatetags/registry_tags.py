"""`{% load registry_tags %}`: money in fen shown as yuan with two decimals."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """12345678 → "123,456.78" (money is stored in integer fen; yuan only on screen)."""
    if fen is None:
        return "—"
    return f"{Decimal(int(fen)) / 100:,.2f}"
