"""Accounts: sign-in security, passwords, tokens, organisations, grants, scopes, deactivation."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from jijinan import settings as project_settings
from jijinan.accounts import services
from jijinan.accounts.models import ApiToken, Grant, LoginFailure, Organisation, User
from jijinan.accounts.scopes import GrantScopeBackend
from jijinan.core.errors import Conflict, DomainError, Forbidden
from jijinan.core.permissions import Role, Rule, ScopeKind, ScopePaths, register_actions, restrict
from jijinan.regions.models import Region
from jijinan.regions.services import region_retire
from tests.world import GULOU, PASSWORD, PROVINCE, XUANWU, fingerprint, persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def xuanwu_admin(world) -> User:  # type: ignore[no-untyped-def]
    return persona(world, Role.ADMINISTRATOR, at=XUANWU)


def test_passwords_are_hashed_with_argon2_in_production():
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


# --- sign-in ------------------------------------------------------------------------------------
def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_an_account_is_locked_after_repeated_failures(world):
    client = Client()
    for _ in range(5):
        assert _login(client, "xw_staff", "wrong").status_code == 200
    response = _login(client, "xw_staff", PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The window passes: the right password works again and clears the failures.
    LoginFailure.objects.update(at=timezone.now() - timedelta(hours=1))
    assert _login(client, "xw_staff", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="xw_staff").exists()


def test_an_address_is_locked_after_failures_on_many_accounts(world):
    client = Client()
    for i in range(20):
        _login(client, f"guess{i}", "wrong", ip="10.9.9.9")
    assert "登录失败次数过多" in _login(client, "xw_staff", PASSWORD, ip="10.9.9.9").content.decode()
    assert _login(Client(), "xw_staff", PASSWORD, ip="10.1.1.1").status_code == 302


def test_an_idle_session_expires():
    assert project_settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < project_settings.SESSION_COOKIE_AGE <= 8 * 3600


@pytest.mark.parametrize(("password", "message"), [
    ("short1", "10"), ("abcdefghijkl", "字母和数字"), ("1234567890123", "数字"),
    ("password123", "太常见")])
def test_password_rules(world, password, message):
    before = fingerprint()
    with pytest.raises(DomainError) as caught:
        services.staff_create(actor=None, username="newbie", full_name="新人",
                              organisation=world.xuanwu_office, password=password)
    assert any(message in m for m in caught.value.field_errors["password"])
    assert fingerprint() == before


def test_first_sign_in_forces_a_password_change_outside_dev(world):
    user = services.staff_create(actor=None, username="newbie", full_name="新人",
                                 organisation=world.xuanwu_office, password="first-pass-123")
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/me/")["Location"] == "/accounts/me/password/"
    assert client.get("/api/v1/me").json()["code"] == "password_change_required"
    response = client.post("/accounts/me/password/", {
        "old_password": "first-pass-123", "new_password": "second-pass-456",
        "new_password_again": "second-pass-456"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/accounts/me/").status_code == 200  # still signed in
    with override_settings(JIJINAN_ENV="dev"):
        User.objects.filter(pk=user.pk).update(must_change_password=True)
        assert client.get("/accounts/me/").status_code == 200


def test_a_wrong_old_password_changes_nothing(world):
    client = Client()
    client.force_login(world.xuanwu_staff)
    response = client.post("/api/v1/me/password", {"old_password": "nope", "new_password": "x-new-pass-99"},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field_errors"] == {"old_password": ["原密码不正确"]}
    world.xuanwu_staff.refresh_from_db()
    assert world.xuanwu_staff.check_password(PASSWORD)


# --- tokens ---------------------------------------------------------------------------------------
def test_tokens_are_shown_once_stored_hashed_and_work_until_revoked(world):
    client = Client()
    client.force_login(world.xuanwu_staff)
    body = client.post("/api/v1/me/tokens", {"name": "热线系统", "days": 30},
                       content_type="application/json").json()
    plain = body["token"]
    assert plain.startswith("jjn_") and plain not in str(list(ApiToken.objects.values()))
    assert "token" not in client.get("/api/v1/me/tokens").json()[0]
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert bearer.get("/api/v1/me").json()["username"] == "xw_staff"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {plain}x").get("/api/v1/me").status_code == 401
    client.post(f"/api/v1/me/tokens/{body['id']}/revoke")
    assert bearer.get("/api/v1/me").status_code == 401


def test_a_bearer_token_posts_without_csrf_but_a_session_still_needs_it(world):
    from jijinan.accounts.services import token_create

    _token, plain = token_create(user=world.xuanwu_staff, name="热线系统", days=30)
    bearer = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {plain}")
    created = bearer.post("/api/v1/me/tokens", {"name": "另一系统", "days": 7}, content_type="application/json")
    assert created.status_code in (200, 201), created.content
    session = Client(enforce_csrf_checks=True)
    session.force_login(world.xuanwu_staff)
    before = ApiToken.objects.count()
    refused = session.post("/api/v1/me/tokens", {"name": "第三个", "days": 7}, content_type="application/json")
    assert refused.status_code == 403 and ApiToken.objects.count() == before


def test_expired_tokens_and_tokens_of_deactivated_users_are_refused(world, xuanwu_admin):
    _token, plain = services.token_create(user=world.xuanwu_staff, name="t", days=1)
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert bearer.get("/api/v1/me").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer.get("/api/v1/me").status_code == 401
    ApiToken.objects.update(expires_at=timezone.now() + timedelta(days=1))
    services.staff_deactivate(actor=xuanwu_admin, user=world.xuanwu_staff, version=1, reason="调离",
                              handover_to=xuanwu_admin)
    assert bearer.get("/api/v1/me").status_code == 401
    with pytest.raises(DomainError):
        services.token_create(user=User.objects.get(pk=world.xuanwu_staff.pk), name="t", days=1)


def test_token_lifetime_is_bounded(world):
    for days in (0, 366):
        with pytest.raises(DomainError):
            services.token_create(user=world.xuanwu_staff, name="t", days=days)
    assert not ApiToken.objects.exists()


# --- organisations ----------------------------------------------------------------------------------
def test_organisation_rules(world, xuanwu_admin):
    def make(**kw):  # type: ignore[no-untyped-def]
        data = {"kind": "department_office", "name": "玄武区教育局", "region_code": XUANWU,
                "department_type": "education"} | kw
        return services.organisation_create(actor=xuanwu_admin, data=services.OrganisationInput(**data))

    before = fingerprint()
    with pytest.raises(DomainError, match="部门类型"):
        make(department_type=None)
    with pytest.raises(DomainError) as caught:
        make(department_type="astrology")
    assert caught.value.code == "unknown_department_type"
    with pytest.raises(DomainError) as caught:
        make(kind="partner", department_type=None, uscc="91320100MA1XXXXXX0")
    assert caught.value.code == "invalid_uscc"
    with pytest.raises(Forbidden):
        make(region_code=GULOU)
    assert fingerprint() == before
    office = make()
    assert office.department_type.code == "education"
    with pytest.raises(DomainError) as caught:
        make(name="另一个教育局")  # one office per department type and region
    assert caught.value.code == "duplicate"


def test_a_stale_version_is_refused_and_changes_nothing(world, xuanwu_admin):
    office = world.xuanwu_office
    data = services.OrganisationInput(kind=office.kind, name="玄武区民政局（新）", region_code=XUANWU)
    services.organisation_update(actor=xuanwu_admin, organisation=office, version=1, data=data)
    before = fingerprint()
    with pytest.raises(Conflict):
        services.organisation_update(actor=xuanwu_admin, organisation=office, version=1,
                                     data=services.OrganisationInput(kind=office.kind, name="别名",
                                                                     region_code=XUANWU))
    assert fingerprint() == before
    client = Client()
    client.force_login(xuanwu_admin)
    response = client.put(f"/api/v1/organisations/{office.pk}", {
        "kind": office.kind, "name": "又一个名字", "region_code": XUANWU, "version": 1},
        content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "stale_version"


# --- grants and scopes --------------------------------------------------------------------------------
def test_grant_bad_input_changes_nothing(world, xuanwu_admin):
    staff = world.xuanwu_staff
    region_retire(code="320102002001", successor_code=None, valid_to=timezone.localdate())
    before = fingerprint()
    cases = [
        ({"role": "wizard", "region_code": XUANWU}, "unknown_role"),
        ({"role": Role.SOCIAL_WORKER, "region_code": "320102002001"}, "retired_region"),
        ({"role": Role.SOCIAL_WORKER, "region_code": "999999999999"}, "unknown_region"),
        ({"role": Role.DEPARTMENT_HANDLER, "region_code": XUANWU, "department_type": "astrology"},
         "unknown_department_type"),
        ({"role": Role.WINDOW_CLERK, "region_code": XUANWU}, "duplicate"),
    ]
    for kwargs, code in cases:
        with pytest.raises(DomainError) as caught:
            services.grant_add(actor=xuanwu_admin, user=staff, **kwargs)
        assert caught.value.code == code, kwargs
    with pytest.raises(DomainError, match="部门经办须指定部门类型"):
        services.grant_add(actor=xuanwu_admin, user=staff, role=Role.DEPARTMENT_HANDLER, region_code=XUANWU)
    with pytest.raises(Forbidden):  # outside the administrator's own subtree
        services.grant_add(actor=xuanwu_admin, user=staff, role=Role.SOCIAL_WORKER, region_code=GULOU)
    assert fingerprint() == before


def test_a_role_applies_only_inside_its_own_grant(world):
    user = persona(world, Role.ADMINISTRATOR, at=XUANWU)
    Grant.objects.create(user=user, role=Role.WINDOW_CLERK, region=Region.objects.get(code=GULOU))
    client = Client()
    client.force_login(user)
    assert client.get(f"/api/v1/staff/{world.xuanwu_staff.pk}").status_code == 200
    # Being a clerk in 鼓楼区 gives no administrator rights there.
    assert client.get(f"/api/v1/staff/{world.gulou_staff.pk}").status_code == 404
    staff = client.get("/api/v1/staff").json()["items"]
    assert world.gulou_staff.pk not in {s["id"] for s in staff}


def test_a_province_grant_covers_every_district(world):
    user = persona(world, Role.SUPERVISOR, at=PROVINCE)
    client = Client()
    client.force_login(user)
    ids = {s["id"] for s in client.get("/api/v1/staff", {"page_size": 100}).json()["items"]}
    assert {world.xuanwu_staff.pk, world.gulou_staff.pk} <= ids


def test_department_scope_matches_the_department_type(world):
    register_actions([Rule("tests.department_offices", frozenset({Role.DEPARTMENT_HANDLER}),
                           ScopeKind.DEPARTMENT, "测试")])
    handler = persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU)  # a 卫健 handler
    Organisation.objects.get_or_create(kind="department_office", department_type=world.health_office.department_type,
                                       region=Region.objects.get(code=GULOU), defaults={"name": "鼓楼区卫健委"})
    education = Organisation.objects.create(
        kind="department_office", name="玄武区教育局", region=Region.objects.get(code=XUANWU),
        department_type=world.health_office.department_type.__class__.objects.get(code="education"))
    seen = restrict(Organisation.objects.all(), handler, "tests.department_offices",
                    ScopePaths(region="region", department_type="department_type__code"))
    assert list(seen) == [world.health_office]
    assert education not in seen
    assert GrantScopeBackend().reason(handler, Rule("x", frozenset({Role.SUPERVISOR}),
                                                    ScopeKind.REGION, "督办")).startswith("您的角色不能督办")


# --- deactivation and handover ----------------------------------------------------------------------------
def test_deactivation_keeps_history_and_hands_over_open_work(world, xuanwu_admin):
    moved: list[tuple[str, str]] = []
    services.register_handover("tests.visits", "入户走访", lambda u: 2 if u.username == "xw_staff" else 0,
                               lambda a, b: moved.append((a.username, b.username)) or 2)
    try:
        before = fingerprint()
        with pytest.raises(DomainError) as caught:
            services.staff_deactivate(actor=xuanwu_admin, user=world.xuanwu_staff, version=1, reason="调离")
        assert "handover_to" in caught.value.field_errors
        assert fingerprint() == before and moved == []
        services.staff_deactivate(actor=xuanwu_admin, user=world.xuanwu_staff, version=1, reason="调离",
                                  handover_to=xuanwu_admin)
    finally:
        services._handovers.pop("tests.visits")
    staff = User.objects.get(pk=world.xuanwu_staff.pk)
    assert not staff.is_active and staff.deactivated_at is not None
    assert moved == [("xw_staff", xuanwu_admin.username)]
    assert Grant.objects.filter(user=staff).exists()  # history kept
    client = Client()
    assert not client.login(username="xw_staff", password=PASSWORD)


# --- pages --------------------------------------------------------------------------------------------------
def test_admin_pages_create_an_organisation_and_a_member_of_staff(world, xuanwu_admin):
    client = Client()
    client.force_login(xuanwu_admin)
    response = client.post("/accounts/organisations/new/", {
        "kind": "department_office", "name": "玄武区医保局", "region_code": XUANWU,
        "department_type": "medical_security"})
    assert response.status_code == 302
    office = Organisation.objects.get(name="玄武区医保局")
    response = client.post("/accounts/staff/new/", {
        "username": "yb_handler", "full_name": "医保甲", "organisation": office.pk,
        "password": "medical-pass-2026"})
    assert response.status_code == 302
    member = User.objects.get(username="yb_handler")
    response = client.post(f"/accounts/staff/{member.pk}/grants/", {
        "role": "department_handler", "region_code": XUANWU, "department_type": "medical_security"},
        follow=True)
    assert "已授权" in response.content.decode()
    html = client.get(f"/accounts/staff/{member.pk}/").content.decode()
    assert "部门经办" in html and "医保" in html


def test_form_errors_are_shown_on_the_field(world, xuanwu_admin):
    client = Client()
    client.force_login(xuanwu_admin)
    response = client.post("/accounts/organisations/new/", {
        "kind": "partner", "name": "某基金会", "region_code": XUANWU, "uscc": "123"})
    assert response.status_code == 400
    assert "统一社会信用代码无效" in response.content.decode()


def test_the_account_page_linked_from_home_shows_the_users_own_scopes(world):
    client = Client()
    client.force_login(world.xuanwu_staff)
    assert 'href="/accounts/me/"' in client.get("/").content.decode()
    html = client.get("/accounts/me/").content.decode()
    assert "一门受理窗口" in html and "玄武区" in html


def test_demo_prints_one_login_per_role():
    from tests.regions_fixtures import load_jiangsu

    load_jiangsu()
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    for role in Role:
        assert str(role.label) in text, role
    assert Grant.objects.filter(role=Role.DEPARTMENT_HANDLER, department_type__code="health").exists()
    assert User.objects.get(username="window_clerk").must_change_password  # not a dev machine


def test_own_and_partner_scopes(world):
    register_actions([
        Rule("tests.own_staff_record", frozenset({Role.INFORMANT}), ScopeKind.OWN, "看自己的"),
        Rule("tests.partner_offices", frozenset({Role.PARTNER_STAFF}), ScopeKind.PARTNER, "看本机构的"),
    ])
    informant = persona(world, Role.INFORMANT, at=XUANWU)
    own = restrict(User.objects.all(), informant, "tests.own_staff_record", ScopePaths(owner="pk"))
    assert list(own) == [informant]
    clerk = world.xuanwu_staff  # a window clerk: the wrong role sees nothing, even their own
    assert not restrict(User.objects.all(), clerk, "tests.own_staff_record", ScopePaths(owner="pk")).exists()
    partner_user = persona(world, Role.PARTNER_STAFF, at=XUANWU)
    seen = restrict(Organisation.objects.all(), partner_user, "tests.partner_offices",
                    ScopePaths(organisation="pk"))
    assert list(seen) == [world.partner]


def test_open_deadlines_are_handed_over_on_deactivation(world, xuanwu_admin):
    from jijinan.core.models import Deadline

    assert ("期限", 2) in services.open_work_of(world.xuanwu_staff)  # the world's open + paused ones
    with pytest.raises(DomainError):
        services.staff_deactivate(actor=xuanwu_admin, user=world.xuanwu_staff, version=1, reason="调离")
    services.staff_deactivate(actor=xuanwu_admin, user=world.xuanwu_staff, version=1, reason="调离",
                              handover_to=xuanwu_admin)
    assert Deadline.objects.filter(owner_user=xuanwu_admin).count() == 2
    assert services.open_work_of(User.objects.get(pk=world.xuanwu_staff.pk)) == []
