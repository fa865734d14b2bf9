"""API of supervision's board."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["supervision"])
