"""Protected data end to end on a staff mobile number: encrypted at rest, blind-index search,
masked everywhere, unmasking logged (and refusals logged), keys rotated in resumable batches."""

from __future__ import annotations

import base64
import io
import secrets

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings

from jijinan.accounts import services
from jijinan.accounts.models import User
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.core.errors import DomainError
from jijinan.core.permissions import Role
from jijinan.core.protected import crypto
from tests.world import GULOU, XUANWU, World, fingerprint, persona

pytestmark = pytest.mark.django_db


def extend_module_world(w: World) -> None:
    w.extra["admin"] = persona(w, Role.ADMINISTRATOR, at=XUANWU)
    services.staff_update(actor=w.extra["admin"], user=w.xuanwu_staff, version=1,
                          full_name=w.xuanwu_staff.full_name, title="", organisation=w.xuanwu_office,
                          mobile="+86 138-1234-5678")


def _raw_mobile(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_the_number_is_encrypted_at_rest_and_masked(world):
    raw = _raw_mobile(world.xuanwu_staff)
    assert raw.startswith("v1.") and "13812345678" not in raw
    staff = User.objects.get(pk=world.xuanwu_staff.pk)
    assert str(staff.mobile) == "138****5678"
    client = Client()
    client.force_login(persona(world, Role.SUPERVISOR, at=XUANWU))
    html = client.get(f"/accounts/staff/{staff.pk}/").content.decode()
    assert "138****5678" in html and "13812345678" not in html
    body = client.get("/api/v1/staff").json()
    assert "13812345678" not in str(body)
    assert {s["mobile_masked"] for s in body["items"] if s["id"] == staff.pk} == {"138****5678"}


def test_search_by_number_goes_through_the_blind_index(world):
    client = Client()
    client.force_login(persona(world, Role.SUPERVISOR, at=XUANWU))
    html = client.get("/accounts/staff/", {"q": "138 1234 5678"}).content.decode()
    assert User.objects.filter(mobile_index=User.objects.get(username="xw_staff").mobile_index).count() == 1
    assert "xw_staff" in html and "gl_staff" not in html
    html = client.get("/accounts/staff/", {"q": "13900000000"}).content.decode()
    assert "xw_staff" not in html


def test_unmasking_is_logged_and_a_refusal_is_logged_too(world):
    admin = world.extra["admin"]
    client = Client()
    client.force_login(admin)
    response = client.post(f"/api/v1/staff/{world.xuanwu_staff.pk}/unmask", {"purpose": "回电"},
                           content_type="application/json")
    assert response.json() == {"mobile": "13812345678"}
    log = AccessLog.objects.get()
    assert (log.kind, log.fields, log.purpose, log.actor_id) == ("unmask", ["mobile"], "回电", admin.pk)

    supervisor = persona(world, Role.SUPERVISOR, at=XUANWU)  # sees staff, may not unmask
    client.force_login(supervisor)
    before = fingerprint()
    response = client.post(f"/accounts/staff/{world.xuanwu_staff.pk}/unmask/")
    assert response.status_code == 403
    assert "13812345678" not in response.content.decode()
    assert fingerprint() == before
    assert AccessLog.objects.count() == 1
    refusal = AuditEvent.objects.get(action="accounts.staff.unmask")
    assert refusal.outcome == "refused" and refusal.actor_id == supervisor.pk


def test_out_of_scope_unmasking_is_404(world):
    client = Client()
    client.force_login(persona(world, Role.ADMINISTRATOR, at=GULOU))
    assert client.post(f"/api/v1/staff/{world.xuanwu_staff.pk}/unmask", {},
                       content_type="application/json").status_code == 404


def test_a_bad_number_is_refused_and_nothing_changes(world):
    admin = world.extra["admin"]
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        services.staff_update(actor=admin, user=User.objects.get(pk=world.xuanwu_staff.pk), version=2,
                              full_name="x", title="", organisation=world.xuanwu_office, mobile="12345")
    assert caught.value.field_errors.keys() == {"mobile"}
    assert fingerprint() == before


def test_a_ciphertext_under_an_unknown_key_is_a_clear_error(world):
    staff = User.objects.get(pk=world.xuanwu_staff.pk)
    with override_settings(JIJINAN_FIELD_KEYS={"other": base64.b64encode(secrets.token_bytes(32)).decode()},
                           JIJINAN_ACTIVE_FIELD_KEY="other"), pytest.raises(crypto.DecryptError) as caught:
        staff.mobile.reveal()
    assert caught.value.code == "unknown_key_id"


def test_keys_rotate_reencrypts_in_batches_and_resumes(world, settings):
    for i in range(7):
        services.staff_create(actor=None, username=f"m{i}", full_name="号", organisation=world.xuanwu_office,
                              password="a-long-pass-12345", mobile=f"1391234000{i}")
    old = crypto.active_key_id()
    new_key = base64.b64encode(secrets.token_bytes(32)).decode()
    settings.JIJINAN_FIELD_KEYS = {**settings.JIJINAN_FIELD_KEYS, "k2": new_key}
    settings.JIJINAN_ACTIVE_FIELD_KEY = "k2"
    # A first run stopped half-way: rotate only the first batch of one column by hand.
    from jijinan.core.protected.key_rotation import protected_columns, rotate_column

    column = next(c for c in protected_columns() if c.label == "accounts.user.mobile")
    total = User.objects.filter(mobile__isnull=False).count()
    assert total == 9

    class Interrupted(Exception):
        pass

    def crash(label: str, done: int, of: int) -> None:
        raise Interrupted  # the run dies after its first committed batch

    with pytest.raises(Interrupted):
        rotate_column(column, batch_size=3, progress=crash)
    keys = [crypto.key_id_of(_raw_mobile(u)) for u in User.objects.filter(mobile__isnull=False)]
    assert keys.count("k2") == 3
    out = io.StringIO()
    call_command("keys", "rotate", "--batch", "3", stdout=out)
    assert "examined 9, 重新加密 / rotated 6" in out.getvalue()
    assert all(crypto.key_id_of(_raw_mobile(u)) == "k2" for u in User.objects.filter(mobile__isnull=False))
    assert rotate_column(column, batch_size=3).rotated == 0  # a second run finds nothing to do
    assert str(User.objects.get(username="m3").mobile) == "139****0003"
    assert old != "k2"
    assert AccessLog.objects.filter(purpose__contains="key rotation", rows__gte=8).count() == 1
