"""Values every page of the shell needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from jijinan import __version__


def shell(request: HttpRequest) -> dict[str, Any]:
    return {"jijinan_version": __version__}
