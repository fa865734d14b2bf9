"""Demo referrals: two of the demo cases split to 玄武区's departments — one task accepted and in
progress at 医保, one returned by 教育 with its reason — through the real services."""

from __future__ import annotations

from jijinan.accounts.models import User
from jijinan.cases.models import Case
from jijinan.core.demo import DemoContext, demo_step
from jijinan.referrals import services
from jijinan.referrals.models import Task

# (demo case key, needs to refer, what the office does: "accept", "return" or "")
REFERRALS = [
    ("demo-06", ["medical"], "accept"),
    ("demo-02", ["education"], "return"),
]
HANDLERS = {"medical_security": "medical_dept_handler", "education": "education_dept_handler",
            "health": "health_dept_handler"}


@demo_step("referrals.demo", order=120)
def demo_referrals(ctx: DemoContext) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=[*HANDLERS.values(), "township_reviewer"])}
    reviewer = users.get("township_reviewer")
    if reviewer is None:
        return
    made = 0
    for key, needs, then in REFERRALS:
        case = Case.objects.select_related("handling_region").filter(client_key=key).first()
        if case is None or Task.objects.filter(case=case).exists():
            continue  # a second run changes nothing
        drafts = [services.TaskDraft(office_id=r.office.pk, description=f"{r.need.name}：请按职责办理",
                                     required_result=r.required_result, need=r.need.code, rule_id=r.rule.pk)
                  for r in services.routes_for(case, needs) if r.office is not None]
        if not drafts:
            continue
        for task in services.tasks_open(actor=reviewer, case=case, drafts=drafts):
            made += 1
            department = task.office.department_type.code if task.office.department_type else ""
            handler = users.get(HANDLERS.get(department, ""))
            if handler is None:
                continue
            if then == "accept":
                task = services.task_accept(actor=handler, task=task, version=task.version)
                services.task_progress(actor=handler, task=task, version=task.version,
                                       text="已调取住院费用明细，正在按医疗救助比例核算。")
            elif then == "return":
                services.task_return(actor=handler, task=task, version=task.version, reason_code="already_handled",
                                     reason="两个孩子本学期已享受学费减免和国家助学金，如另有生活费困难请说明。")
    ctx.created("department tasks", made)
