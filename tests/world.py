"""The tests' world and its fixtures, in one place.

A small world: two districts of Nanjing, their offices and a member of staff in each, plus the
records each app's permission cases add (``tests/permission_cases/<app>.py``); personas made per
role with a grant in 玄武区 or the province; the shipped policy parameters; people and households;
and the proof that a refused request changed nothing (a digest of every table, a recorder of
writes).

The world is built once per test module (``module_world``) inside a transaction rolled back at
the module's end; each test runs in a savepoint within it and gets fresh instances of the world's
records (``world``), so what one test writes or changes in memory is gone before the next.
A module adds to its world by defining ``extend_module_world(world)``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.models import Model
from django.test import override_settings

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.core.models import CalendarDay, CalendarYear, Job
from jijinan.core.permissions import Role
from jijinan.core.protected.fields import Protected
from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.regions.services import regions_load_csv

REGIONS = """code,name,level,parent_code
320000000000,江苏省,province,
320100000000,南京市,city,320000000000
320102000000,玄武区,county,320100000000
320102002000,梅园新村街道,township,320102000000
320102002001,示例社区,village,320102002000
320106000000,鼓楼区,county,320100000000
320106001000,宁海路街道,township,320106000000
320106001001,另一社区,village,320106001000
"""

# Argon2 is the production hasher (tests/test_accounts.py checks it); tests use a fast one, the
# world's accounts included (conftest.py sets it for each test).
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PROVINCE, XUANWU, GULOU = "320000000000", "320102000000", "320106000000"
PASSWORD = "correct-horse-battery-9"


@dataclass
class World:
    xuanwu_office: Organisation
    gulou_office: Organisation
    health_office: Organisation
    partner: Organisation
    xuanwu_staff: User
    gulou_staff: User
    xuanwu_grant: Grant
    gulou_grant: Grant
    extra: dict[str, Any] = field(default_factory=dict)  # records later apps' cases add

    def office(self, in_scope: bool) -> Organisation:
        return self.xuanwu_office if in_scope else self.gulou_office

    def staff(self, in_scope: bool) -> User:
        return self.xuanwu_staff if in_scope else self.gulou_staff

    def grant(self, in_scope: bool) -> Grant:
        return self.xuanwu_grant if in_scope else self.gulou_grant

    def region(self, in_scope: bool) -> str:
        return "320102002001" if in_scope else "320106001001"

    def reloaded(self) -> World:
        """The same world with every record read afresh from the database."""
        changes = {f.name: _reloaded(getattr(self, f.name)) for f in fields(self)}
        return replace(self, **changes)


def _reloaded(value: Any) -> Any:
    if isinstance(value, Model) and value.pk is not None:
        try:
            return type(value)._default_manager.get(pk=value.pk)
        except ObjectDoesNotExist:
            return value  # removed by the module's own set-up
    if isinstance(value, dict):
        return {k: _reloaded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_reloaded(v) for v in value)
    return value


def build_world() -> World:
    regions_load_csv(text=REGIONS, valid_from=date(2022, 10, 31), source="test")
    health = DepartmentType.objects.get(code="health")
    region = {r: apps.get_model("regions", "Region").objects.get(code=r) for r in (PROVINCE, XUANWU, GULOU)}
    civil = OrganisationKind.CIVIL_AFFAIRS_OFFICE
    xuanwu = Organisation.objects.create(kind=civil, name="玄武区民政局", region=region[XUANWU])
    gulou = Organisation.objects.create(kind=civil, name="鼓楼区民政局", region=region[GULOU])
    health_office = Organisation.objects.create(kind=OrganisationKind.DEPARTMENT_OFFICE, name="玄武区卫健委",
                                                region=region[XUANWU], department_type=health)
    partner = Organisation.objects.create(kind=OrganisationKind.PARTNER, name="慈善会",
                                          region=region[XUANWU], uscc="53320100MJ5712345J")
    xuanwu_staff = User.objects.create_user(username="xw_staff", password=PASSWORD, full_name="玄武甲",
                                            organisation=xuanwu, mobile="13800000001")
    gulou_staff = User.objects.create_user(username="gl_staff", password=PASSWORD, full_name="鼓楼乙",
                                           organisation=gulou, mobile="13800000002")
    Job.objects.create(name="core.purge_finished_jobs", status="dead", attempts=1, last_error="boom")
    year = CalendarYear.objects.create(year=2031)
    CalendarDay.objects.create(year=year, date=date(2031, 2, 8), kind="workday", name="调休上班",
                               source="admin")
    world_deadlines(xuanwu_staff, gulou_staff)
    xuanwu_grant = Grant.objects.create(user=xuanwu_staff, role=Role.WINDOW_CLERK, region=region[XUANWU])
    gulou_grant = Grant.objects.create(user=gulou_staff, role=Role.WINDOW_CLERK, region=region[GULOU])
    world = World(xuanwu, gulou, health_office, partner, xuanwu_staff, gulou_staff, xuanwu_grant,
                  gulou_grant)
    # Someone to hand open work over to when a member of staff is deactivated.
    world.extra["colleague"] = User.objects.create_user(username="xw_colleague", password=PASSWORD,
                                                        full_name="玄武丙", organisation=xuanwu)
    from tests.permission_cases import case_modules

    for module in case_modules():
        extend = getattr(module, "extend_world", None)
        if extend is not None:
            extend(world)
    return world


def load_policy_defaults(names: Iterable[str] | None = None) -> None:
    """The shipped policy parameters (all of them, or ``names``) the database does not hold yet."""
    from jijinan import policy
    from jijinan.policy.models import ParameterDefinition
    from jijinan.policy.services import parameters_load_json

    data = json.loads((Path(policy.__file__).parent / "data" / "defaults.json").read_text(encoding="utf-8"))
    known = set(ParameterDefinition.objects.values_list("name", flat=True))
    wanted = None if names is None else set(names)
    data["definitions"] = [p for p in data["definitions"]
                           if p["name"] not in known and (wanted is None or p["name"] in wanted)]
    if data["definitions"]:
        parameters_load_json(actor=None, text=json.dumps(data, ensure_ascii=False), source="defaults.json")
    policy_cache_invalidate()


def government_office(code: str = XUANWU, name: str = "玄武区人民政府办公室") -> Organisation:
    """The people's government (office) of a region, where its government leaders sit; made when
    first asked for. (The generated permission tests also give a leader of 玄武区 a grant at the
    province, to check the province scope, which granting through the service would refuse.)"""
    office, _created = Organisation.objects.get_or_create(
        kind=OrganisationKind.GOVERNMENT_OFFICE, region=apps.get_model("regions", "Region").objects.get(code=code),
        active=True, defaults={"name": name})
    return office


def persona(world: World, role: str, *, at: str) -> User:
    """A user holding ``role`` inside ``at`` (玄武区 or the province), in a fitting organisation."""
    organisation = {Role.DEPARTMENT_HANDLER: world.health_office,
                    Role.PARTNER_STAFF: world.partner}.get(Role(role), world.xuanwu_office)
    if role == Role.GOVERNMENT_LEADER:
        organisation = government_office()
    user = User.objects.create_user(username=f"{role}_{at}", password=PASSWORD, organisation=organisation,
                                    full_name=f"{role}")
    Grant.objects.create(user=user, role=role, region=apps.get_model("regions", "Region").objects.get(code=at),
                         department_type=organisation.department_type)
    return user


# Tables a refused request may legitimately touch: the audit trail records refusals, and
# sessions and sign-in bookkeeping are not business data.
UNCHECKED = {"audit.auditevent", "audit.accesslog", "audit.sealstate", "accounts.loginfailure",
             "core.workerheartbeat", "sessions.session"}


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Protected):
            return o.envelope  # the stored ciphertext: any change to the value changes it
        return super().default(o)


def fingerprint() -> str:
    """A digest of every row of every business table, to prove a refusal changed nothing."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label_lower):
        if model._meta.label_lower in UNCHECKED or model._meta.app_label in {"contenttypes", "auth"}:
            continue
        rows = list(model.objects.order_by("pk").values())
        for row in rows:
            row.pop("last_login", None)
        digest.update(model._meta.label_lower.encode())
        digest.update(json.dumps(rows, cls=_Encoder, sort_keys=True).encode())
    return digest.hexdigest()


# INSERT, UPDATE, DELETE (and SQLite's REPLACE) with the table they write, as Django and raw SQL
# send them: `INSERT INTO "t"`, `INSERT OR IGNORE INTO t`, `UPDATE "t" SET`, `DELETE FROM "t"`.
_WRITE = re.compile(
    r"""^\s*(?:WITH\b.*?\)\s*)?"""
    r"""(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"""
    r"""\s+["`]?([\w.]+)["`]?""", re.IGNORECASE | re.DOTALL)


def unchecked_tables() -> frozenset[str]:
    """The database tables of ``UNCHECKED``: a refused request may write these."""
    tables = {apps.get_model(label)._meta.db_table for label in UNCHECKED}
    return frozenset(t.lower() for t in tables)


@contextmanager
def writes_recorded() -> Iterator[list[tuple[str, str]]]:
    """Every INSERT, UPDATE or DELETE run meanwhile on any database connection, as (table, SQL).

    The cheap proof that a refused request changed nothing: it wrote no row of a business table.
    Statements the ORM, raw cursors and bulk operations send all pass through the connection's
    execute wrappers, so none escapes.
    """
    found: list[tuple[str, str]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        match = _WRITE.match(sql)
        if match:
            found.append((match.group(1).lower(), sql[:300]))
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(record))
        yield found


def business_writes(found: list[tuple[str, str]]) -> list[str]:
    """The statements of ``found`` that wrote a business table."""
    allowed = unchecked_tables()
    return [sql for table, sql in found if table.split(".")[-1] not in allowed]


def world_deadlines(xuanwu_staff: User, gulou_staff: User) -> None:
    """An open and a paused deadline in each district (720 hours: no calendar needed)."""
    from datetime import timedelta

    from django.utils import timezone

    from jijinan.core.models import Deadline

    now = timezone.now()
    for prefix, region_code, owner in (("xw", "320102002001", xuanwu_staff),
                                       ("gl", "320106001001", gulou_staff)):
        for state in ("open", "paused"):
            Deadline.objects.create(
                subject_type="tests.subject", subject_id=f"{prefix}-{state}", kind="tests.review",
                region_code=region_code, owner_user=owner, started_at=now, unit="hours",
                limit=720, due_at=now + timedelta(hours=720), counted_from=now, counted_units=720,
                paused_at=now if state == "paused" else None,
                pause_reason="异议" if state == "paused" else "")


# --- fixtures (conftest.py makes them available to every test module) ---------------------------
def _module_world_built(module: Any) -> World:
    """The world as ``module`` wants it: built, then extended by its ``extend_module_world``."""
    built = build_world()
    extend = getattr(module, "extend_module_world", None)
    if extend is not None:
        extend(built)
    return built


# How to close the module world that is open now, if any (see close_shared_world).
_open_worlds: list[Any] = []


@pytest.fixture(scope="module")
def module_world(request, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The world, built once for the test module (and extended by its ``extend_module_world``),
    inside a transaction rolled back when the module's tests are done."""
    outer = transaction.atomic()
    closed = False

    def close() -> None:
        nonlocal closed
        if not closed:
            closed = True
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
            policy_cache_invalidate()

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        outer.__enter__()
        _open_worlds.append(close)
        try:
            # Parameters an earlier test cached (rows since rolled back) must not shape this world.
            policy_cache_invalidate()
            built = _module_world_built(request.module)
        except BaseException:
            close()
            raise
    try:
        yield built
    finally:
        close()
        if close in _open_worlds:
            _open_worlds.remove(close)


def close_shared_world() -> None:
    """Roll back the module world still open, before a transactional test of the same module
    (they run after its world-sharing tests): the transactional test commits for real, and its
    threads and child processes could not write past the world's open transaction."""
    while _open_worlds:
        _open_worlds.pop()()


@pytest.fixture
def world(module_world, db):  # type: ignore[no-untyped-def]
    """The module's world with fresh instances of its records, for a test in a savepoint of it."""
    return module_world.reloaded()


@pytest.fixture
def fresh_world(request, transactional_db):  # type: ignore[no-untyped-def]
    """A world of its own for a transactional test, which commits for real and so cannot run
    inside the module's transaction."""
    assert not connection.in_atomic_block, "a transactional test ran inside a module's shared world"
    return _module_world_built(request.module)


@pytest.fixture
def defaults(world):  # type: ignore[no-untyped-def]
    """The shipped policy parameters, all of them."""
    load_policy_defaults()
