"""API of supervision's orders."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["supervision"])
