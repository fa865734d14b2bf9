"""The shell's hot paths: health check and home page against a static file through the same stack."""

from __future__ import annotations

from django.test import Client

from benchlib import Case

client = Client(HTTP_HOST="127.0.0.1")


def static_file() -> None:
    response = client.get("/static/web/favicon.svg")
    assert response.status_code == 200


def health() -> None:
    assert client.get("/api/v1/health").status_code == 200


def home_anonymous() -> None:
    assert client.get("/").status_code == 200


def openapi() -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200


CASES = [
    Case("static_file", static_file, repeat=200, unit="request"),
    Case("health", health, baseline="static_file", repeat=200, unit="request"),
    Case("home_anonymous", home_anonymous, baseline="static_file", repeat=200, unit="request"),
    Case("openapi_json", openapi, baseline="static_file", repeat=50, unit="request"),
]
