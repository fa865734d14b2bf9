"""Root URLs: the staff UI, the API at /api/v1/, language switching."""

from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from jijinan.api import api
from jijinan.core.permissions import PUBLIC, requires

urlpatterns = [
    # The API root leads to its documentation (ahead of django-ninja's own root, a bare 404).
    path("api/v1/", requires(PUBLIC)(RedirectView.as_view(url="/api/v1/docs")), name="api_root"),
    path("api/v1/", api.urls),
    path("i18n/setlang/", requires(PUBLIC)(set_language), name="set_language"),
    path("accounts/", include("jijinan.accounts.urls")),
    path("calendar/", include("jijinan.core.calendar.urls")),
    path("regions/", include("jijinan.regions.urls")),
    path("deadlines/", include("jijinan.core.deadlines.urls")),
    path("system/", include("jijinan.core.jobs.urls")),
    path("audit/", include("jijinan.audit.urls")),
    path("registry/", include("jijinan.registry.urls")),
    path("policy/", include("jijinan.policy.urls")),
    path("exchange/", include("jijinan.exchange.urls")),
    path("verification/", include("jijinan.verification.urls")),
    path("cases/", include("jijinan.cases.urls")),
    path("referrals/", include("jijinan.referrals.urls")),
    path("consultation/", include("jijinan.consultation.urls")),
    path("supervision/", include("jijinan.supervision.urls")),
    path("inbox/", include("jijinan.core.messaging.urls")),
    path("", include("jijinan.web.urls")),
]

handler400 = "jijinan.web.views.bad_request"
handler403 = "jijinan.web.views.permission_denied"
handler404 = "jijinan.web.views.page_not_found"
handler500 = "jijinan.web.views.server_error"
