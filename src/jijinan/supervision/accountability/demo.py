"""A demo accountability record: the supervisor's finding on the task 教育 returned in the demo."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jijinan.accounts.models import User
from jijinan.core.demo import DemoContext, demo_step
from jijinan.referrals.models import Task
from jijinan.supervision.accountability import services
from jijinan.supervision.models import AccountabilityRecord

CASE_KEY = "demo-02"


@demo_step("supervision.accountability", order=135)
def demo_accountability(ctx: DemoContext) -> None:
    supervisor = User.objects.filter(username="supervisor").first()
    task = Task.objects.select_related("case", "office").filter(case__client_key=CASE_KEY).order_by("sequence").first()
    if supervisor is None or task is None or AccountabilityRecord.objects.filter(task=task).exists():
        return  # no demo staff or task, or a second run
    subject = services.subject_find(actor=supervisor, kind=services.TASK, number=task.number)
    services.accountability_record(actor=supervisor, subject=subject, data=services.AccountabilityInput(
        failing="late", responsible_office_id=task.office_id, responsible_person="何教育 学生资助中心经办人",
        finding="收到分办任务后未核实生活费困难即退回，致使救助延误三个工作日。",
        measure="约谈提醒，要求今后退回前先电话核实。", decided_on=timezone.localdate() - timedelta(days=1)))
    ctx.created("accountability records", 1)
