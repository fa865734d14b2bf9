"""API of supervision's accountability."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["supervision"])
