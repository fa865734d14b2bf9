"""The staff UI shell: languages, security headers, error pages, sign-in."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory, override_settings
from django.utils import translation

from jijinan.web import views
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_home_is_chinese_by_default(client):
    html = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "急难社会救助工作平台" in html


def test_pages_stay_chinese_for_an_english_browser_until_english_is_chosen(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans">' in html
    client.cookies["jijinan_language"] = "en"
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_switching_to_english_persists_in_a_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["jijinan_language"].value == "en"
    assert response.cookies["jijinan_language"]["max-age"] >= 365 * 24 * 3600
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Emergency social assistance platform" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "急难社会救助工作平台" in client.get("/").content.decode()


def test_content_security_policy_allows_no_inline_script(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    html = response.content.decode()
    inline = [m for m in re.findall(r"<script\b([^>]*)>", html) if "src=" not in m]
    assert inline == []
    assert "style=" not in html


def test_security_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(response["X-Request-ID"]) >= 8


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "未找到"), ("en", "Not found")])
def test_404_page_in_both_languages(client, language, text):
    client.cookies["jijinan_language"] = language
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert text in response.content.decode()


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "系统出错"), ("en", "System error")])
def test_500_page_in_both_languages(language, text):
    request = RequestFactory().get("/")
    request.request_id = "abc123def456"
    with translation.override(language):
        response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert text in html and "abc123def456" in html


@override_settings(DEBUG=False)
def test_403_page_gives_the_reason():
    from django.core.exceptions import PermissionDenied

    request = RequestFactory().get("/")
    response = views.permission_denied(request, PermissionDenied("窗口人员不能审批"))
    assert response.status_code == 403
    assert "窗口人员不能审批" in response.content.decode()


def test_sign_in_and_out(client, administrator):
    response = client.post("/accounts/login/", {"username": "administrator", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/", {"username": "administrator", "password": PASSWORD})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "管理员甲" in html and "系统状态" in html
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_static_assets_are_served(client):
    response = client.get("/static/web/app.css")
    assert response.status_code == 200
    assert b"--c-primary" in b"".join(response.streaming_content)
