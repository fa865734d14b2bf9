"""Request id: taken from a trusted proxy header or made up, echoed back, used by audit and logs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from jijinan.core.context import RequestContext, reset_current_request, set_current_request
from jijinan.core.errors import DomainError

_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client address; behind a proxy, set JIJINAN_TRUSTED_PROXY_HOPS to read X-Forwarded-For."""
    hops = getattr(settings, "JIJINAN_TRUSTED_PROXY_HOPS", 0)
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(self.header, "")
        request_id = given if _VALID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_current_request(RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            reset_current_request(token)
        response["X-Request-ID"] = request_id
        return response


class DomainErrorMiddleware:
    """A DomainError escaping a page view becomes the matching error page (404, 403, 409, 400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if exception.status == 404:
            raise Http404(str(exception.message)) from exception
        if exception.status == 403:
            raise PermissionDenied(str(exception.message)) from exception
        return render(request, "400.html", {"reason": exception.message}, status=exception.status)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Chinese unless the user chose English (the language cookie); the API follows
    Accept-Language, so a client gets its error messages in the language it asks for."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            super().process_request(request)
            return
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
