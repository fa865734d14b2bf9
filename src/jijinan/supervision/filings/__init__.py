"""Supervision: filings."""

from __future__ import annotations


def install() -> None:
    """Register this part's permissions, panels, kinds, handlers and jobs."""
