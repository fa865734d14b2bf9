"""Supervision (督查督办): the deadlines board, 督办 orders, deflection follow-through,
accountability records and the filing of township approvals."""

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "jijinan.supervision"
    label = "supervision"
    verbose_name = "督查督办"

    def ready(self) -> None:
        from jijinan.supervision import accountability, board, filings, indicators, orders

        board.install()
        orders.install()
        accountability.install()
        filings.install()
        indicators.install()
