"""Audit: events in the business transaction, the sealer's hash chains, verification, the
access log, refusals, panels, pages, API and who may read them."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.template import Context, Template
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from jijinan.accounts.models import Grant, User
from jijinan.audit.chain import CHAINS, canonical_json, row_hash, verify_chain
from jijinan.audit.choices import AuditOutcome, SealChain
from jijinan.audit.errors import AuditError
from jijinan.audit.models import AccessLog, AuditEvent, SealState
from jijinan.audit.selectors import (
    AuditFilters,
    access_log_for_subject,
    audit_event_list_for_user,
    audit_events_for_subject,
)
from jijinan.audit.services import (
    access_log_record,
    audit_record,
    audit_seal,
    changes_between,
    refusal_record,
)
from jijinan.core.context import RequestContext, reset_current_request, set_current_request
from jijinan.core.errors import Forbidden
from jijinan.core.jobs.queue import Worker, job_enqueue, registered_periodic
from jijinan.core.permissions import Role
from jijinan.regions.models import Region
from jijinan.regions.services import regions_load_csv
from tests.conftest import PASSWORD, run_jijinan

pytestmark = pytest.mark.django_db

XUANWU_TOWN, GULOU_TOWN = "320102002000", "320106001000"
REGIONS = """code,name,level,parent_code
320000000000,江苏省,province,
320100000000,南京市,city,320000000000
320102000000,玄武区,county,320100000000
320102002000,梅园新村街道,township,320102000000
320106000000,鼓楼区,county,320100000000
320106001000,宁海路街道,township,320106000000
"""


@pytest.fixture
def regions(db: None) -> None:
    regions_load_csv(text=REGIONS, valid_from=date(2022, 10, 31), source="test")


def _user(username: str, *, role: str | None = None, at: str = "320102000000") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=f"{username}名")
    if role:
        Grant.objects.create(user=user, role=role, region=Region.objects.get(code=at))
    return user


@pytest.fixture
def supervisor(regions: None) -> User:
    """A supervisor holding the role in 玄武区 only."""
    return _user("xw_supervisor", role=Role.SUPERVISOR)


@pytest.fixture
def clerk(regions: None) -> User:
    """Signed in with a grant, but no role that may read the audit."""
    return _user("xw_clerk", role=Role.WINDOW_CLERK)


@pytest.fixture
def nobody(db: None) -> User:
    return _user("no_grants")


def _event(n: int = 0, *, actor: User | None = None, region_code: str = XUANWU_TOWN,
           subject_id: str = "7") -> AuditEvent:
    return audit_record(actor=actor, action="tests.change", subject_type="tests.thing",
                        subject_id=subject_id, subject_label=f"事物{n}", region_code=region_code,
                        changes={"amount_fen": (n, n + 100)}, note=f"第 {n} 次")


# --- recording --------------------------------------------------------------------------------
def test_recording_inside_a_rolled_back_transaction_leaves_nothing(administrator):
    with pytest.raises(RuntimeError), transaction.atomic():
        _event(1, actor=administrator)
        access_log_record(actor=administrator, kind="view", subject_type="tests.thing",
                          subject_id="7", fields=["id_number"])
        raise RuntimeError("the business change failed")
    assert AuditEvent.objects.count() == 0
    assert AccessLog.objects.count() == 0


def test_an_event_names_actor_subject_request_and_changes(administrator):
    token = set_current_request(RequestContext(request_id="req-12345678", ip="2001:DB8::0001"))
    try:
        event = audit_record(actor=administrator, action="accounts.user.update", subject=administrator,
                             region_code=XUANWU_TOWN,
                             changes=changes_between({"title": "科员"}, {"title": "科长"}))
    finally:
        reset_current_request(token)
    event.refresh_from_db()
    assert (event.actor_id, event.actor_label) == (administrator.pk, "管理员甲")
    assert (event.subject_type, event.subject_id) == ("accounts.user", str(administrator.pk))
    assert event.subject_label == str(administrator)
    assert event.changes == {"title": ["科员", "科长"]}
    assert (event.request_id, event.ip) == ("req-12345678", "2001:db8::1")
    assert event.outcome == AuditOutcome.DONE and event.seq is None


def test_a_system_event_has_no_actor():
    event = audit_record(actor=None, action="tests.sweep", note="夜间清理")
    assert event.actor_id is None and event.actor_label == ""
    assert (event.request_id, event.ip) == ("", None)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"action": ""}, "操作代码"),
    ({"action": "x", "region_code": "3201"}, "12 位数字"),
    ({"action": "x", "subject_id": "5"}, "对象类型"),
    ({"action": "x", "changes": {"amount": 5}}, "修改前"),
])
def test_bad_event_input_is_refused_and_writes_nothing(kwargs, message):
    with pytest.raises(AuditError, match=message):
        audit_record(actor=None, **kwargs)
    assert AuditEvent.objects.count() == 0


def test_changes_between_is_json_safe(administrator):
    at = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
    before = {"amount": Decimal("12.50"), "due": date(2026, 3, 1), "at": at, "owner": None,
              "same": 1, "phone": "13800000000", "rate": 0.1}
    after = {"amount": Decimal("13.00"), "due": date(2026, 3, 2), "at": at + timedelta(hours=1),
             "owner": administrator, "same": 1, "phone": "13900000000", "rate": 0.1, "new": True}
    result = changes_between(before, after, redact=["phone"])
    assert result == {
        "amount": ("12.50", "13.00"),
        "at": ("2026-03-01T08:30:00.123456+00:00", "2026-03-01T09:30:00.123456+00:00"),
        "due": ("2026-03-01", "2026-03-02"),
        "new": (None, True),
        "owner": (None, administrator.pk),
        "phone": ("***", "***"),
    }
    event = audit_record(actor=None, action="tests.change", changes=result)
    event.refresh_from_db()
    assert event.changes["amount"] == ["12.50", "13.00"]


# --- sealing ----------------------------------------------------------------------------------
def test_the_sealer_chains_committed_events_in_order():
    events = [_event(n) for n in range(5)]
    assert audit_seal().audit == 5
    sealed = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in sealed] == [1, 2, 3, 4, 5]
    assert [e.pk for e in sealed] == [e.pk for e in events]
    assert sealed[0].prev_hash == ""
    for previous, current in itertools.pairwise(sealed):
        assert current.prev_hash == previous.hash
    spec = CHAINS[SealChain.AUDIT]
    for e in sealed:
        content = {name: getattr(e, name) for name in spec.fields}
        assert e.hash == row_hash(e.prev_hash, SealChain.AUDIT, content)
        assert e.sealed_at is not None
    state = SealState.objects.get(chain=SealChain.AUDIT)
    assert (state.last_seq, state.last_hash) == (5, sealed[-1].hash)
    assert audit_seal().total == 0  # nothing left to do
    _event(9)
    assert audit_seal(batch_size=1).audit == 1
    assert AuditEvent.objects.get(seq=6).prev_hash == sealed[-1].hash


def test_the_canonical_form_is_fixed_and_independent_of_the_database_clock_zone():
    shanghai = timezone.get_fixed_timezone(8 * 60)
    content = {"id": 3, "note": "说明", "at": datetime(2026, 1, 2, 11, 0, 0, tzinfo=shanghai),
               "changes": {"b": [1, None], "a": ["甲", "乙"]}}
    assert canonical_json("audit", content) == (
        '{"at":"2026-01-02T03:00:00.000000Z","chain":"audit",'
        '"changes":{"a":["甲","乙"],"b":[1,null]},"id":3,"note":"说明"}')
    same = dict(content, at=datetime(2026, 1, 2, 3, 0, 0, tzinfo=UTC))
    assert row_hash("", "audit", same) == row_hash("", "audit", content)


def test_sealing_batches_and_runs_again_never_double_assign_a_seq():
    for n in range(25):
        _event(n)
    assert audit_seal(batch_size=10).audit == 25
    for n in range(3):
        _event(n)
    audit_seal(batch_size=2)
    audit_seal(batch_size=2)
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 29))
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_sealers_never_double_assign_a_seq():
    for n in range(60):
        _event(n)
        access_log_record(actor=None, kind="view", subject_type="tests.thing", subject_id=str(n),
                          fields=["phone"])
    errors: list[BaseException] = []

    def seal() -> None:
        try:
            audit_seal(batch_size=7)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=seal) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    for model in (AuditEvent, AccessLog):
        seqs = list(model.objects.order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, 61))
    assert verify_chain().ok


def test_a_lower_id_committed_after_a_seal_is_chained_after_it():
    """On PostgreSQL, ids are handed out at insert, so a long transaction may commit a row with a
    lower id after higher ids were sealed. The chain follows the order of sealing, not ids."""
    fields = {"action": "tests.change", "region_code": XUANWU_TOWN, "occurred_at": timezone.now()}
    AuditEvent.objects.create(id=900_010, **fields)
    AuditEvent.objects.create(id=900_011, **fields)
    audit_seal()
    AuditEvent.objects.create(id=900_005, **fields)  # the late committer
    audit_seal()
    order = list(AuditEvent.objects.order_by("seq").values_list("seq", "id"))
    assert order == [(1, 900_010), (2, 900_011), (3, 900_005)]
    assert verify_chain().ok


def test_the_sealer_is_a_periodic_job_the_worker_runs():
    assert registered_periodic()["audit.seal"].every == timedelta(seconds=5)
    _event(1)
    job_enqueue("audit.seal")
    Worker(run_periodic=False).drain()
    assert AuditEvent.objects.get().seq == 1


# --- verification -----------------------------------------------------------------------------
def _sealed_chain(n: int = 5) -> list[AuditEvent]:
    for i in range(n):
        _event(i)
    audit_seal()
    return list(AuditEvent.objects.order_by("seq"))


def test_verify_passes_on_an_intact_chain():
    _sealed_chain()
    access_log_record(actor=None, kind="export", subject_type="tests.report", subject_id="1",
                      fields=["name", "id_number"], purpose="月报", rows=250)
    audit_seal()
    report = verify_chain()
    assert report.ok
    assert report.chain(SealChain.AUDIT).checked == 5
    assert report.chain(SealChain.ACCESS).checked == 1
    assert report.chain(SealChain.AUDIT).first_tampered_seq is None


@pytest.mark.parametrize("change", [
    {"changes": {"amount_fen": [0, 999_999]}},
    {"action": "tests.other"},
    {"note": "改过的说明"},
    {"occurred_at": datetime(2020, 1, 1, tzinfo=UTC)},
])
def test_verify_reports_the_exact_tampered_event(change):
    events = _sealed_chain()
    AuditEvent.objects.filter(pk=events[2].pk).update(**change)
    report = verify_chain()
    chain = report.chain(SealChain.AUDIT)
    assert not report.ok
    assert chain.first_tampered_seq == 3
    assert [(p.kind, p.seq, p.row_id) for p in chain.problems] == [("tampered", 3, events[2].pk)]
    assert any("序号 3" in m and "篡改" in m for m in report.messages())


def test_verify_reports_a_row_rewritten_with_a_fresh_hash():
    events = _sealed_chain()
    target = AuditEvent.objects.get(pk=events[1].pk)
    target.note = "伪造"
    spec = CHAINS[SealChain.AUDIT]
    fresh = row_hash(target.prev_hash, SealChain.AUDIT, {n: getattr(target, n) for n in spec.fields})
    AuditEvent.objects.filter(pk=target.pk).update(note="伪造", hash=fresh)
    chain = verify_chain().chain(SealChain.AUDIT)
    assert [(p.kind, p.seq) for p in chain.problems] == [("broken_link", 3)]
    assert chain.first_tampered_seq == 2


def test_verify_reports_a_deleted_event_as_a_missing_seq():
    events = _sealed_chain()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    chain = verify_chain().chain(SealChain.AUDIT)
    assert chain.missing == [(2, 2)]
    assert [p.kind for p in chain.problems] == ["missing"]
    assert any("缺少序号 2" in m for m in chain.messages())


def test_verify_reports_a_deleted_tail():
    events = _sealed_chain()
    AuditEvent.objects.filter(pk__in=[events[3].pk, events[4].pk]).delete()
    chain = verify_chain().chain(SealChain.AUDIT)
    assert chain.missing == [(4, 5)]


def test_verify_reports_a_rewritten_last_row():
    events = _sealed_chain()
    last = events[-1]
    spec = CHAINS[SealChain.AUDIT]
    content = {n: getattr(last, n) for n in spec.fields} | {"note": "伪造"}
    AuditEvent.objects.filter(pk=last.pk).update(
        note="伪造", hash=row_hash(last.prev_hash, SealChain.AUDIT, content))
    chain = verify_chain().chain(SealChain.AUDIT)
    assert [(p.kind, p.seq) for p in chain.problems] == [("head", 5)]


def test_verify_reports_a_tampered_access_log_row():
    for n in range(3):
        access_log_record(actor=None, kind="view", subject_type="tests.thing", subject_id=str(n),
                          fields=["phone"])
    audit_seal()
    AccessLog.objects.filter(seq=2).update(fields=["name"])
    report = verify_chain()
    assert report.chain(SealChain.AUDIT).ok
    assert report.chain(SealChain.ACCESS).first_tampered_seq == 2


@override_settings(JIJINAN_AUDIT_UNSEALED_GRACE_SECONDS=60)
def test_verify_reports_rows_left_unsealed_longer_than_the_grace():
    _sealed_chain(2)
    fresh, stale = _event(8), _event(9)
    assert verify_chain().ok  # both are young
    AuditEvent.objects.filter(pk=stale.pk).update(occurred_at=timezone.now() - timedelta(seconds=61))
    report = verify_chain()
    chain = report.chain(SealChain.AUDIT)
    assert not report.ok and chain.problems == []
    assert (chain.unsealed, chain.unsealed_overdue, chain.oldest_overdue_id) == (2, 1, stale.pk)
    assert any("60 秒仍未封存" in m for m in report.messages())
    assert fresh.pk != stale.pk
    audit_seal()
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_the_verify_command_exits_0_then_1_after_tampering():
    for n in range(3):
        _event(n)
    seal = run_jijinan("audit", "seal")
    assert seal.returncode == 0, seal.stderr
    assert "audit events 3" in seal.stdout
    ok = run_jijinan("audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "链完整" in ok.stdout
    AuditEvent.objects.filter(seq=2).update(action="tests.forged")
    bad = run_jijinan("manage", "audit", "verify")
    assert bad.returncode == 1
    assert "序号 2" in bad.stdout and "篡改" in bad.stdout
    assert "first tampered seq: audit #2" in bad.stderr


def test_the_command_help_is_bilingual():
    out = run_jijinan("audit", "--help")
    assert out.returncode == 0
    assert "审计链" in out.stdout and "Audit chains" in out.stdout
    out = run_jijinan("audit", "verify", "--help")
    assert out.returncode == 0
    assert "校验" in out.stdout and "verify the hash chains" in out.stdout


# --- access log and refusals ------------------------------------------------------------------
def test_access_log_rows_per_view_and_per_job_run(administrator):
    token = set_current_request(RequestContext(request_id="req-abcdefgh", ip="10.0.0.8"))
    try:
        view = access_log_record(actor=administrator, kind="unmask", subject=administrator,
                                 region_code=XUANWU_TOWN, fields=["id_number"], purpose="核对身份")
    finally:
        reset_current_request(token)
    job = access_log_record(actor=None, kind="export", subject_type="monitoring.screening_run",
                            subject_id="12", fields=["income", "disability"], purpose="筛查", rows=5000)
    view.refresh_from_db()
    assert (view.kind, view.fields, view.purpose, view.rows) == ("unmask", ["id_number"], "核对身份", None)
    assert (view.request_id, view.ip, view.actor_label) == ("req-abcdefgh", "10.0.0.8", "管理员甲")
    assert (job.rows, job.actor_id) == (5000, None)
    assert audit_seal().access == 2
    assert verify_chain().ok


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "peek", "fields": ["x"]}, "访问方式"),
    ({"kind": "view", "fields": []}, "字段"),
    ({"kind": "view", "fields": ["x"], "rows": -1}, "负数"),
])
def test_bad_access_log_input_is_refused(kwargs, message):
    with pytest.raises(AuditError, match=message):
        access_log_record(actor=None, **kwargs)
    assert AccessLog.objects.count() == 0


def test_a_refusal_survives_the_rollback_of_the_refused_change(supervisor):
    with pytest.raises(Forbidden):
        try:
            with transaction.atomic():
                _event(1, actor=supervisor)  # the change that gets rolled back
                raise Forbidden("您的角色不能显示完整身份证号")
        except Forbidden as exc:
            refusal_record(actor=supervisor, action="registry.unmask", subject_type="registry.person",
                           subject_id="42", region_code=XUANWU_TOWN, reason=str(exc.message))
            raise
    refusal = AuditEvent.objects.get(outcome=AuditOutcome.REFUSED)
    assert (refusal.action, refusal.outcome) == ("registry.unmask", AuditOutcome.REFUSED)
    assert refusal.note == "您的角色不能显示完整身份证号"
    audit_seal()
    assert verify_chain().ok


def test_a_refusal_recorded_inside_the_refused_transaction_is_an_error():
    with pytest.raises(RuntimeError), transaction.atomic():
        refusal_record(actor=None, action="tests.refused", reason="不行")
    assert AuditEvent.objects.count() == 0


# --- reading: scope, pages, API ---------------------------------------------------------------
def test_a_supervisor_reads_only_the_events_of_their_region(supervisor, administrator):
    mine, theirs = _event(1), _event(2, region_code=GULOU_TOWN)
    system = audit_record(actor=None, action="tests.system")
    visible = set(audit_event_list_for_user(user=supervisor).values_list("pk", flat=True))
    assert visible == {mine.pk}
    everything = set(audit_event_list_for_user(user=administrator).values_list("pk", flat=True))
    assert {mine.pk, theirs.pk, system.pk} <= everything  # plus the fixtures' own events


def test_users_without_the_role_see_no_rows(clerk, nobody):
    _event(1)
    access_log_record(actor=None, kind="view", subject_type="tests.thing", subject_id="7",
                      region_code=XUANWU_TOWN, fields=["phone"])
    for user in (clerk, nobody):
        assert not audit_events_for_subject(user=user, subject_type="tests.thing", subject_id="7")
        assert not access_log_for_subject(user=user, subject_type="tests.thing", subject_id="7")


@pytest.mark.parametrize("url", ["/audit/", "/audit/access/", "/api/v1/audit/events",
                                 "/api/v1/audit/access-log", "/api/v1/audit/verify",
                                 "/audit/panel/history/?subject_type=tests.thing&subject_id=7"])
def test_signed_in_users_without_the_role_get_403_and_the_refusal_is_logged(client, clerk, nobody, url):
    for user in (clerk, nobody):
        client.force_login(user)
        before = AuditEvent.objects.filter(outcome=AuditOutcome.REFUSED).count()
        response = client.get(url)
        assert response.status_code == 403
        refused = AuditEvent.objects.filter(outcome=AuditOutcome.REFUSED)
        assert refused.count() == before + 1
        last = refused.latest("id")
        assert last.actor_id == user.pk and last.action.startswith("audit.")
        assert url.split("?")[0] in last.subject_label


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/audit/").status_code == 302
    assert client.get("/api/v1/audit/events").status_code == 401
    assert AuditEvent.objects.count() == 0


def test_a_supervisor_may_not_verify_and_the_refusal_is_logged(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/api/v1/audit/verify")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    refusal = AuditEvent.objects.get(outcome=AuditOutcome.REFUSED)
    assert (refusal.action, refusal.actor_id) == ("audit.verify", supervisor.pk)


def test_the_audit_page_filters_and_paginates(admin_session, administrator, django_assert_max_num_queries):
    for n in range(60):
        _event(n, actor=administrator, subject_id=str(n % 2))
    audit_record(actor=None, action="other.thing")
    with django_assert_max_num_queries(8):
        html = admin_session.get("/audit/").content.decode()
    assert "共 61 条审计事件" in html
    html = admin_session.get("/audit/", {"subject_type": "tests.thing", "subject_id": "1"}).content.decode()
    assert "共 30 条审计事件" in html
    html = admin_session.get("/audit/", {"action": "other."}).content.decode()
    assert "共 1 条审计事件" in html and "系统" in html
    response = admin_session.get("/audit/", {"date_from": "2026-02-30"})
    assert response.status_code == 200
    assert "日期格式应为 YYYY-MM-DD" in response.content.decode()
    response = admin_session.get("/audit/", {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert "style=" not in html


def test_the_access_log_page(admin_session):
    access_log_record(actor=None, kind="print", subject_type="tests.thing", subject_id="7",
                      subject_label="张三的申请", fields=["id_number", "bank_account"], purpose="打印审批表")
    html = admin_session.get("/audit/access/", {"kind": "print"}).content.decode()
    assert "张三的申请" in html and "打印审批表" in html and "id_number、bank_account" in html
    html = admin_session.get("/audit/access/", {"kind": "export"}).content.decode()
    assert "没有符合条件的访问记录" in html


def test_the_api_lists_and_filters_events(admin_session, administrator):
    for n in range(5):
        _event(n, actor=administrator)
    _event(9, region_code=GULOU_TOWN)
    audit_seal()
    body = admin_session.get("/api/v1/audit/events", {"actor": "administrator", "page_size": 2}).json()
    assert (body["count"], body["pages"], len(body["items"])) == (5, 3, 2)
    first = body["items"][0]
    assert first["seq"] == 5 and first["changes"] == {"amount_fen": [4, 104]}
    assert first["actor_label"] == "管理员甲" and len(first["hash"]) == 64
    today = timezone.localdate().isoformat()
    body = admin_session.get("/api/v1/audit/events", {"date_from": today, "date_to": today}).json()
    assert body["count"] == 6
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert admin_session.get("/api/v1/audit/events", {"date_from": tomorrow}).json()["count"] == 0
    response = admin_session.get("/api/v1/audit/events", {"date_from": tomorrow, "date_to": today})
    assert response.status_code == 400
    assert response.json()["field_errors"]["date_to"] == ["结束日期不能早于开始日期"]
    assert admin_session.get("/api/v1/audit/events", {"outcome": "maybe"}).status_code == 422


def test_the_api_lists_the_access_log_and_verifies(admin_session):
    access_log_record(actor=None, kind="export", subject_type="tests.report", subject_id="3",
                      fields=["income"], purpose="统计", rows=120)
    audit_seal()
    body = admin_session.get("/api/v1/audit/access-log", {"kind": "export"}).json()
    assert body["count"] == 1 and body["items"][0]["rows"] == 120
    report = admin_session.get("/api/v1/audit/verify").json()
    assert report["ok"] is True
    assert [c["chain"] for c in report["chains"]] == ["audit", "access"]
    AccessLog.objects.update(purpose="改过")
    report = admin_session.get("/api/v1/audit/verify").json()
    access = report["chains"][1]
    assert report["ok"] is False and access["first_tampered_seq"] == 1
    assert access["problems"][0]["kind"] == "tampered" and access["messages"]


# --- panels -----------------------------------------------------------------------------------
def test_the_history_and_viewers_panels_render(admin_session, administrator):
    audit_record(actor=administrator, action="tests.change", subject_type="tests.thing", subject_id="7",
                 region_code=XUANWU_TOWN, changes={"status": ("accepted", "approved")})
    refusal_record(actor=administrator, action="tests.unmask", subject_type="tests.thing",
                   subject_id="7", region_code=XUANWU_TOWN, reason="无权查看")
    access_log_record(actor=administrator, kind="unmask", subject_type="tests.thing", subject_id="7",
                      region_code=XUANWU_TOWN, fields=["id_number"], purpose="核对")
    html = admin_session.get("/audit/panel/history/",
                             {"subject_type": "tests.thing", "subject_id": "7"}).content.decode()
    assert 'data-testid="audit-history"' in html
    assert "accepted" in html and "approved" in html and "已拒绝" in html and "无权查看" in html
    html = admin_session.get("/audit/panel/viewers/",
                             {"subject_type": "tests.thing", "subject_id": "7"}).content.decode()
    assert 'data-testid="audit-viewers"' in html and "id_number" in html and "核对" in html
    assert admin_session.get("/audit/panel/viewers/", {"subject_type": "tests.thing"}).status_code == 400


def test_the_template_tags_load_lazily_or_render_at_once(administrator, clerk):
    audit_record(actor=administrator, action="tests.change", subject=administrator,
                 changes={"title": ("", "科长")})
    request = RequestFactory().get("/record/")
    request.user = administrator
    lazy = Template("{% load audit %}{% audit_history subject %}{% access_history subject %}").render(
        Context({"request": request, "subject": administrator}))
    assert f"/audit/panel/history/?subject_type=accounts.user&amp;subject_id={administrator.pk}" in lazy
    assert 'hx-trigger="load"' in lazy and "/audit/panel/viewers/" in lazy
    now = Template("{% load audit %}{% audit_history subject lazy=False %}").render(
        Context({"request": request, "subject": administrator}))
    assert "科长" in now and "hx-get" not in now
    request.user = clerk
    hidden = Template("{% load audit %}{% audit_history subject %}").render(
        Context({"request": request, "subject": administrator}))
    assert hidden.strip() == ""


def test_a_panel_shows_only_rows_in_the_viewers_scope(supervisor):
    audit_record(actor=None, action="tests.change", subject_type="tests.thing", subject_id="7",
                 region_code=GULOU_TOWN, note="鼓楼的事")
    client = Client()
    client.force_login(supervisor)
    html = client.get("/audit/panel/history/",
                      {"subject_type": "tests.thing", "subject_id": "7"}).content.decode()
    assert "鼓楼的事" not in html and "暂无历史记录" in html


def test_filters_refuse_an_inverted_date_range():
    with pytest.raises(AuditError):
        AuditFilters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))


def test_the_audit_filters_offer_actions_and_record_kinds_by_name(admin_session, administrator):
    """No code is typed: the action and the kind of record are chosen from lists of names; a link's
    value that no list names still filters."""
    audit_record(actor=administrator, action="accounts.staff.export", subject_type="accounts.user",
                 subject_id=str(administrator.pk), subject_label="管理员")
    _event(1, actor=administrator)
    html = admin_session.get("/audit/").content.decode()
    action = html[html.index('name="action"'):]
    action = action[:action.index("</select>")]
    assert '<optgroup label="账户">' in action and 'value="accounts."' in action
    assert 'value="accounts.staff.export">导出工作人员列表' in action
    kinds = html[html.index('name="subject_type"'):]
    kinds = kinds[:kinds.index("</select>")]
    assert 'value="accounts.user"' in kinds and 'value="cases.case">急难事项' in kinds
    assert "操作代码" not in html
    picked = admin_session.get("/audit/", {"action": "accounts.", "subject_type": "accounts.user"}).content.decode()
    assert "共 1 条审计事件" in picked and 'value="accounts." selected' in picked
    linked = admin_session.get("/audit/", {"subject_type": "tests.thing", "action": "tests."}).content.decode()
    assert "共 1 条审计事件" in linked
    refused = admin_session.get("/audit/", {"action": "<script>"}).content.decode()
    assert "共 2 条审计事件" in refused and "&lt;script&gt;" in refused  # a bad value is reported, not applied
