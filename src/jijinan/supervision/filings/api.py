"""API of supervision's filings."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["supervision"])
