"""Shared fixtures: named personas and helpers for real subprocesses against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from jijinan.accounts.models import User
from tests.world import FAST_PASSWORD_HASHERS, close_shared_world

PASSWORD = "correct-horse-battery-9"


def _transactional(item: pytest.Item) -> bool:
    """A test that commits for real (``django_db(transaction=True)``, ``transactional_db``, a live server)."""
    marker = item.get_closest_marker("django_db")
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(marker and marker.kwargs.get("transaction")) or bool({"transactional_db", "live_server"} & fixtures)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that share their module's world run after the other database tests and before the
    transactional ones: a test that expects an empty database never runs while a module's world
    is held open, and the shared worlds are built on tables no transactional test has flushed.
    (pytest-django has already put database tests before transactional ones; the sort is stable,
    so each module's world-sharing tests stay together and its world is built once per worker.)"""

    def order(item: pytest.Item) -> int:
        fixtures = getattr(item, "fixturenames", ())
        if _transactional(item):
            return 2
        if "module_world" in fixtures:
            return 1
        return 0 if item.get_closest_marker("django_db") is not None or "db" in fixtures else 3

    items.sort(key=order)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _transactional(item):
        close_shared_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Each test starts in the default language (Chinese), whatever an earlier test's English
    request left active in the thread (the locale middleware activates a request's language)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_policy_cache():  # type: ignore[no-untyped-def]
    """Each test reads policy parameters from its own database: a table cached by an earlier
    test (whose rows were rolled back) must not answer for this one."""
    from jijinan.policy.lookup import policy_cache_invalidate

    policy_cache_invalidate()
    yield


@pytest.fixture
def administrator(db: None) -> User:
    return User.objects.create_superuser(username="administrator", password=PASSWORD, email="",
                                         full_name="管理员甲")


@pytest.fixture
def admin_session(client, administrator):  # type: ignore[no-untyped-def]
    client.force_login(administrator)
    return client


def test_database_url() -> str:
    """A DATABASE_URL that points a child process at the database this test is using."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]


def run_jijinan(*args: str, timeout: float = 120, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    """Run the real `jijinan` command in a child process against the test database."""
    child_env = {**os.environ, "DATABASE_URL": test_database_url(), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "jijinan", *args], capture_output=True, text=True,
        timeout=timeout, env=child_env, cwd=Path(__file__).resolve().parent.parent, check=False,
    )


from tests.regions_fixtures import jiangsu  # noqa: E402, F401  (a fixture for every test module)
from tests.world import defaults, fresh_world, module_world, world  # noqa: E402, F401  (the world's fixtures)
