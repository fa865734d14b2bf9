"""The supervision API: the board, 督办 orders, accountability records, filings."""

from __future__ import annotations

from ninja import Router

from jijinan.supervision.accountability.api import router as accountability_router
from jijinan.supervision.board.api import router as board_router
from jijinan.supervision.filings.api import router as filings_router
from jijinan.supervision.indicators.api import router as indicators_router
from jijinan.supervision.orders.api import router as orders_router

router = Router()
router.add_router("", board_router)
router.add_router("", orders_router)
router.add_router("", accountability_router)
router.add_router("", filings_router)
router.add_router("", indicators_router)
