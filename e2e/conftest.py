"""Browser tests: Playwright drives Debian's Chromium against a live test server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are
# still synchronous and sequential, so Django's async-safety guard is relaxed for this suite.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("JIJINAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "e2e-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run .ci/system-deps chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.base_url = live_server.url
    page.console_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# axe-core impacts that fail a page: "serious" and "critical" (minor and moderate are reported only).
FAILING_IMPACTS = {"serious", "critical"}


def accessibility_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious or critical violations on the page as it is now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in FAILING_IMPACTS:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def check_page(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """What every page a journey visits must pass: no serious or critical axe-core violation, no
    sideways scrolling at the window's width; a screenshot is kept under e2e-artifacts/."""
    path = screenshot(page, name)
    problems = accessibility_violations(page)
    wider = overflow(page)
    if wider > 0:
        problems.append(f"the page is {wider} px wider than the {page.viewport_size['width']} px window")
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)
    return path


JOURNEY_PASSWORD = "journey-pass-2026"


def seed_again() -> None:
    """What the migrations seeded (department types, program types, case vocabularies, the
    responsibility matrix), seeded again: a transactional test runs after others emptied the tables."""
    from importlib import import_module

    from django.apps import apps

    import_module("jijinan.accounts.migrations.0003_default_department_types").seed(apps, None)
    import_module("jijinan.registry.migrations.0002_default_program_types").seed(apps, None)
    import_module("jijinan.cases.migrations.0001_cases_intake").seed_vocabularies(apps, None)
    import_module("jijinan.referrals.migrations.0002_matrix_defaults").seed(apps, None)


def ready(user):  # type: ignore[no-untyped-def]
    """A journey's user: signs in with JOURNEY_PASSWORD, no password change asked."""
    user.set_password(JOURNEY_PASSWORD)
    user.must_change_password = False
    user.save()
    return user


def sign_in(page, username: str, password: str = JOURNEY_PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].button-primary")
    page.wait_for_load_state()


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.click("button:has-text('退出')")
    page.wait_for_load_state()
