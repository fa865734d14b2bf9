"""Root URLs: the staff UI, the API at /api/v1/, language switching."""

from django.urls import include, path
from django.views.i18n import set_language

from jijinan.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("regions/", include("jijinan.regions.urls")),
    path("", include("jijinan.web.urls")),
]

handler400 = "jijinan.web.views.bad_request"
handler403 = "jijinan.web.views.permission_denied"
handler404 = "jijinan.web.views.page_not_found"
handler500 = "jijinan.web.views.server_error"
