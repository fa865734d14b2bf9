"""Demo 督办 orders in 玄武区: the supervisor chases the demo escalation's case (answered by the district's
civil-affairs office) and a department task of the referrals demo (still open)."""

from __future__ import annotations

from django.db.models import Q

from jijinan.accounts.models import User
from jijinan.cases.models import Case
from jijinan.core.demo import DemoContext, demo_step
from jijinan.referrals.models import Task
from jijinan.supervision.models import SupervisionOrder
from jijinan.supervision.orders import selectors, services

XUANWU = "320102"


@demo_step("supervision.orders.demo", order=135)
def demo_orders(ctx: DemoContext) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["supervisor", "county_approver"])}
    if len(users) < 2 or SupervisionOrder.objects.filter(issued_by=users["supervisor"]).exists():
        return  # no demo staff, or a second run: nothing changes
    supervisor = users["supervisor"]
    case = (Case.objects.filter(handling_region__code__startswith=XUANWU, client_key="demo-consultation-01")
            .order_by("pk").first())
    task = Task.objects.filter(case__handling_region__code__startswith=XUANWU).filter(
        Q(status__in=["pending", "accepted"])).order_by("pk").first()
    made = 0
    if case is not None:
        matter = selectors.matter_for_user(user=supervisor, subject_type="cases.case", subject_id=case.pk)
        office = next((o for o in services.addressable_offices(matter) if o.name == "玄武区民政局"), None)
        if office is not None:
            order = services.order_open(
                actor=supervisor, matter=matter, reason="火灾困难家庭救助事项办理进度较慢，群众反映强烈。",
                required_response="请说明救助金发放和会商决定落实情况。", addressee_office_id=office.pk)
            services.order_answer(actor=users["county_approver"], order=order, version=order.version,
                                  text="已召集会商，卫健部门落实医疗救助，临时救助金 3 个工作日内发放到位。")
            made += 1
    if task is not None:
        matter = selectors.matter_for_user(user=supervisor, subject_type="referrals.task", subject_id=task.pk)
        services.order_open(actor=supervisor, matter=matter, reason="部门任务接收后长时间没有办理进展。",
                            required_response="请立即办理并答复办理结果。",
                            addressee_office_id=matter.default_office.pk if matter.default_office else None)
        made += 1
    ctx.created("supervision_orders", made)
