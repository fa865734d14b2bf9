"""URLs of the supervision pages (mounted at /supervision/): the board, 督办 orders,
accountability records and the filing of township approvals."""

from jijinan.supervision.accountability.urls import urlpatterns as accountability_urls
from jijinan.supervision.board.urls import urlpatterns as board_urls
from jijinan.supervision.filings.urls import urlpatterns as filing_urls
from jijinan.supervision.indicators.urls import urlpatterns as indicator_urls
from jijinan.supervision.orders.urls import urlpatterns as order_urls

app_name = "supervision"

urlpatterns = [*board_urls, *order_urls, *accountability_urls, *filing_urls, *indicator_urls]
