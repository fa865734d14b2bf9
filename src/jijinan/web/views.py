"""Pages of the shell: home and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jijinan.accounts.context import acting_user
from jijinan.core.extensions.panels import home_panels_for, next_step_for
from jijinan.core.jobs.selectors import system_health
from jijinan.core.nav import nav_for
from jijinan.core.permissions import PUBLIC, can, requires


@requires(PUBLIC)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {}
    if request.user.is_authenticated:
        user = acting_user(request)
        # The next step is offered once: by the first empty panel that has none of its own.
        panels, step = [], next_step_for(user)
        for panel, content in home_panels_for(user):
            offered = step if not content.count and not content.empty_url else None
            step = None if offered else step
            panels.append((panel, content, offered))
        context["panels"] = panels
        # What the user may open, for a role with nothing waiting (and as a shortcut for everyone).
        context["shortcuts"] = [g for g in nav_for(user, request.path) if g["code"] != "workbench"]
        if can(user, "system.jobs.view"):
            context["health"] = system_health()
    return render(request, "web/home.html", context)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors: a failing database must not break the error page.
    return render(request, "500.html", {"request_id": getattr(request, "request_id", "")},
                  status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
