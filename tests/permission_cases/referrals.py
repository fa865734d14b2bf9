"""Permission cases of referrals and the inbox: the case side of a task (reached through the case's
handling region), the office side (reached through the office's region and department type), the
deflection flags (through the region covering the parties) and the responsibility matrix.

Each of the cases module's two cases (玄武区 in scope, 鼓楼区 out of scope) gets three tasks at a
health office — pending, accepted, returned — with a document on the pending one, and a flag;
each township also gets a 妇联 office to transfer or split to. The department handler persona works
at 玄武区卫健委 (health), so a task at 宁海路街道's health centre (鼓楼区) is out of their scope. The
offices stand at the townships: other tests make the district offices they need themselves.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.cases.intake import attachments as files
from jijinan.cases.models import NeedType
from jijinan.referrals.choices import FlagReason, TaskStatus
from jijinan.referrals.models import DeflectionFlag, ResponsibilityRule, Task, TaskAttachment
from jijinan.regions.models import Region
from jijinan.verification.demo import tiny_png
from tests.permission_cases import Case, fixed
from tests.world import World, load_policy_defaults

MEIYUAN, NINGHAI = "320102002000", "320106001000"  # 梅园新村街道 (玄武区), 宁海路街道 (鼓楼区)

GUARDED = frozenset({200, 201, 204, 302, 400, 409})


PARAMETERS = ("case_handling.task_limit", "case_handling.deflection_returns", "case_handling.task_idle_limit")


def extend_world(world: World) -> None:
    load_policy_defaults(PARAMETERS)
    health = DepartmentType.objects.get(code="health")
    women = DepartmentType.objects.get(code="womens_federation")
    need, _created = NeedType.objects.get_or_create(code="medical", defaults={"name": "医疗"})
    extra: dict[str, Any] = {"task": {}, "accepted": {}, "returned": {}, "file": {}, "other_office": {}, "flag": {}}
    # Offices at the townships (other tests make district offices of their own).
    for in_scope, code in ((True, MEIYUAN), (False, NINGHAI)):
        region = Region.objects.get(code=code)
        office = world.health_office if in_scope else Organisation.objects.create(
            kind=OrganisationKind.DEPARTMENT_OFFICE, name="宁海路街道社区卫生服务中心", region=region,
            department_type=health)
        extra["other_office"][in_scope] = Organisation.objects.create(
            kind=OrganisationKind.DEPARTMENT_OFFICE, name=f"{region.name}妇联", region=region, department_type=women)
        case = world.extra["cases"]["case"][in_scope]
        for sequence, status in enumerate((TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.RETURNED), start=1):
            task = Task.objects.create(case=case, sequence=sequence, need=need, office=office, status=status,
                                       description="医疗费用报销", required_result="报销金额",
                                       returns=1 if status == TaskStatus.RETURNED else 0)
            extra[{TaskStatus.PENDING: "task", TaskStatus.ACCEPTED: "accepted",
                   TaskStatus.RETURNED: "returned"}[status]][in_scope] = task
        pending = extra["task"][in_scope]
        checked = files.check_file(files.Upload("bill.png", tiny_png()))
        extra["file"][in_scope] = TaskAttachment.objects.create(
            task=pending, name="bill.png", path=files.store(checked), size=len(checked.content),
            content_type=checked.content_type, sha256=checked.sha256)
        extra["flag"][in_scope] = DeflectionFlag.objects.create(
            task=pending, reason=FlagReason.RETURNS, detail="退回 2 次", offices=[office.name], history=[],
            covering_region=region, raised_at=timezone.now())
    rule = ResponsibilityRule.objects.create(need=need, department_type=health, required_result="救治情况")
    extra["rule"] = {True: rule, False: rule}
    world.extra["referrals"] = extra


def _x(w: World, key: str, s: bool) -> Any:
    return w.extra["referrals"][key][s]


def _case_pk(w: World, s: bool) -> int:
    return int(w.extra["cases"]["case"][s].pk)


def _ct(path: str, key: str = "task") -> Any:
    """A case-side URL of a task: /referrals/cases/<case>/tasks/<task>/<path>."""
    return lambda w, s: f"/referrals/cases/{_case_pk(w, s)}/tasks/{_x(w, key, s).pk}/{path}"


def _cta(path: str, key: str = "task") -> Any:
    return lambda w, s: f"/api/v1/cases/{_case_pk(w, s)}/tasks/{_x(w, key, s).pk}{path}"


def _ot(path: str, key: str = "task") -> Any:
    return lambda w, s: f"/referrals/office/{_x(w, key, s).pk}/{path}"


def _ota(path: str, key: str = "task") -> Any:
    return lambda w, s: f"/api/v1/tasks/{_x(w, key, s).pk}{path}"


def _v(**more: Any) -> Any:
    return lambda w, s: {"version": 1, **more}


def _to_other(**more: Any) -> Any:
    return lambda w, s: {"version": 1, "to_office_id": _x(w, "other_office", s).pk, "to_office": _x(
        w, "other_office", s).pk, **more}


def _split_page(w: World, s: bool) -> dict[str, Any]:
    return {"tasks-TOTAL_FORMS": "1", "tasks-INITIAL_FORMS": "0", "tasks-0-pick": "on",
            "tasks-0-office": _x(w, "other_office", s).pk, "tasks-0-description": "住院费用",
            "tasks-0-required_result": "医疗救助金额"}


def _split_api(w: World, s: bool) -> dict[str, Any]:
    return {"tasks": [{"office_id": _x(w, "other_office", s).pk, "description": "住院费用",
                       "required_result": "医疗救助金额", "need": "medical"}]}


RULE = {"need": "medical", "department_type": "health", "required_result": "救治情况", "duty": "卫健"}
R = "/referrals"

CASES: dict[str, Case] = {
    # the case side
    "* /referrals/cases/<int:case_id>/panel/": Case("GET", lambda w, s: f"{R}/cases/{_case_pk(w, s)}/panel/",
                                                    scoped_record=True),
    "* /referrals/cases/<int:case_id>/split/": Case("POST", lambda w, s: f"{R}/cases/{_case_pk(w, s)}/split/",
                                                    _split_page, scoped_record=True),
    "* /referrals/cases/<int:case_id>/tasks/<int:task_id>/": Case("GET", _ct(""), scoped_record=True),
    "* /referrals/cases/<int:case_id>/tasks/<int:task_id>/reassign/": Case(
        "POST", _ct("reassign/", "returned"), _to_other(reason="已补充病历"), scoped_record=True),
    "* /referrals/cases/<int:case_id>/tasks/<int:task_id>/cancel/": Case(
        "POST", _ct("cancel/"), _v(reason="对象已出院"), scoped_record=True),
    "* /referrals/cases/<int:case_id>/tasks/<int:task_id>/answer/": Case(
        "POST", _ct("answer/"), _v(text="已补充住院清单"), scoped_record=True),
    "* /referrals/cases/<int:case_id>/tasks/<int:task_id>/files/<int:file_id>/": Case(
        "GET", lambda w, s: _ct("")(w, s) + f"files/{_x(w, 'file', s).pk}/", scoped_record=True),
    "GET /api/v1/cases/<case_id>/tasks": Case("GET", lambda w, s: f"/api/v1/cases/{_case_pk(w, s)}/tasks",
                                              api=True, scoped_record=True),
    "GET /api/v1/cases/<case_id>/routes": Case("GET", lambda w, s: f"/api/v1/cases/{_case_pk(w, s)}/routes",
                                               api=True, scoped_record=True),
    "POST /api/v1/cases/<case_id>/tasks": Case("POST", lambda w, s: f"/api/v1/cases/{_case_pk(w, s)}/tasks",
                                               _split_api, api=True, scoped_record=True),
    "GET /api/v1/cases/<case_id>/tasks/<task_id>": Case("GET", _cta(""), api=True, scoped_record=True),
    "POST /api/v1/cases/<case_id>/tasks/<task_id>/reassign": Case(
        "POST", _cta("/reassign", "returned"), _to_other(reason="已补充病历"), api=True, scoped_record=True),
    "POST /api/v1/cases/<case_id>/tasks/<task_id>/cancel": Case(
        "POST", _cta("/cancel"), _v(reason="对象已出院"), api=True, scoped_record=True),
    "POST /api/v1/cases/<case_id>/tasks/<task_id>/answer": Case(
        "POST", _cta("/answer"), _v(text="已补充住院清单"), api=True, scoped_record=True),
    # the office side
    "* /referrals/office/": Case("GET", fixed("/referrals/office/?status=all&q=")),
    "* /referrals/office/<int:task_id>/": Case("GET", _ot(""), scoped_record=True),
    "* /referrals/office/<int:task_id>/accept/": Case("POST", _ot("accept/"), _v(), scoped_record=True),
    "* /referrals/office/<int:task_id>/return/": Case(
        "POST", _ot("return/"), _v(reason_code="not_our_duty", reason="属医保职责"), scoped_record=True),
    "* /referrals/office/<int:task_id>/ask/": Case("POST", _ot("ask/"), _v(text="请补充费用清单"), scoped_record=True),
    "* /referrals/office/<int:task_id>/progress/": Case(
        "POST", _ot("progress/", "accepted"), _v(text="已联系医院"), scoped_record=True),
    "* /referrals/office/<int:task_id>/complete/": Case(
        "POST", _ot("complete/", "accepted"), _v(result="已核销医疗费用", amount_yuan="1200.00"), scoped_record=True),
    "* /referrals/office/<int:task_id>/transfer/": Case(
        "POST", _ot("transfer/"), _to_other(reason="属医疗救助"), scoped_record=True),
    "* /referrals/office/<int:task_id>/files/<int:file_id>/": Case(
        "GET", lambda w, s: _ot("")(w, s) + f"files/{_x(w, 'file', s).pk}/", scoped_record=True),
    "GET /api/v1/tasks": Case("GET", fixed("/api/v1/tasks?status=all"), api=True),
    "GET /api/v1/tasks/<task_id>": Case("GET", _ota(""), api=True, scoped_record=True),
    "POST /api/v1/tasks/<task_id>/accept": Case("POST", _ota("/accept"), _v(), api=True, scoped_record=True),
    "POST /api/v1/tasks/<task_id>/return": Case(
        "POST", _ota("/return"), _v(reason_code="not_our_duty", reason="属医保职责"), api=True, scoped_record=True),
    "POST /api/v1/tasks/<task_id>/ask": Case("POST", _ota("/ask"), _v(text="请补充费用清单"), api=True,
                                             scoped_record=True),
    "POST /api/v1/tasks/<task_id>/progress": Case("POST", _ota("/progress", "accepted"), _v(text="已联系医院"),
                                                  api=True, scoped_record=True),
    "POST /api/v1/tasks/<task_id>/complete": Case(
        "POST", _ota("/complete", "accepted"), _v(result="已核销医疗费用", amount_fen=120000), api=True,
        scoped_record=True),
    "POST /api/v1/tasks/<task_id>/transfer": Case("POST", _ota("/transfer"), _to_other(reason="属医疗救助"),
                                                  api=True, scoped_record=True),
    "* /referrals/tasks/<int:task_id>/": Case("GET", lambda w, s: f"{R}/tasks/{_x(w, 'task', s).pk}/",
                                              ok=frozenset({302, 404})),
    # flags and the matrix
    "* /referrals/flags/": Case("GET", fixed("/referrals/flags/?reason=returns")),
    "GET /api/v1/deflection-flags": Case("GET", fixed("/api/v1/deflection-flags"), api=True),
    "* /referrals/matrix/": Case("GET", fixed("/referrals/matrix/?history=1")),
    "* /referrals/matrix/new/": Case("POST", fixed("/referrals/matrix/new/"), lambda w, s: dict(RULE)),
    "* /referrals/matrix/<int:pk>/edit/": Case(
        "POST", lambda w, s: f"{R}/matrix/{_x(w, 'rule', True).pk}/edit/", lambda w, s: {**RULE, "version": 1}),
    "* /referrals/matrix/<int:pk>/retire/": Case(
        "POST", lambda w, s: f"{R}/matrix/{_x(w, 'rule', True).pk}/retire/", _v(reason="职能调整")),
    "GET /api/v1/responsibility-matrix": Case("GET", fixed("/api/v1/responsibility-matrix"), api=True),
    "POST /api/v1/responsibility-matrix": Case("POST", fixed("/api/v1/responsibility-matrix"),
                                               lambda w, s: dict(RULE), api=True),
    "PUT /api/v1/responsibility-matrix/<rule_id>": Case(
        "PUT", lambda w, s: f"/api/v1/responsibility-matrix/{_x(w, 'rule', True).pk}",
        lambda w, s: {**RULE, "version": 1}, api=True),
    "POST /api/v1/responsibility-matrix/<rule_id>/retire": Case(
        "POST", lambda w, s: f"/api/v1/responsibility-matrix/{_x(w, 'rule', True).pk}/retire",
        _v(reason="职能调整"), api=True),
    # the inbox (each user's own)
    "* /inbox/": Case("GET", fixed("/inbox/?unread=1")),
    "* /inbox/<int:pk>/": Case("GET", fixed("/inbox/999999/"), ok=frozenset({404})),
    "* /inbox/read-all/": Case("POST", fixed("/inbox/read-all/")),
    "GET /api/v1/inbox": Case("GET", fixed("/api/v1/inbox"), api=True),
    "POST /api/v1/inbox/<item_id>/read": Case("POST", fixed("/api/v1/inbox/999999/read"), api=True,
                                              ok=frozenset({404})),
    "POST /api/v1/inbox/read-all": Case("POST", fixed("/api/v1/inbox/read-all"), api=True),
}
