"""Shared fixtures: named personas and helpers for real subprocesses against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from jijinan.accounts.models import User

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # Argon2 is the production hasher (tests/test_accounts.py checks it); tests use a fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
