"""A demo escalation: a house fire in 梅园新村街道 whose request is above the cap, reported to 玄武区's
government, with a consultation convened and one department's opinion in."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from jijinan.accounts.models import Organisation, User
from jijinan.cases.choices import Channel
from jijinan.cases.intake.services import IntakeInput, case_intake
from jijinan.cases.models import Case
from jijinan.cases.workflow import services as wf
from jijinan.consultation import services as cs
from jijinan.consultation.models import Escalation, Opinion
from jijinan.core.demo import DemoContext, demo_step
from jijinan.registry.models import Person

MEIYUAN = "320102002000"
KEY = "demo-consultation-01"
INVITED = ("玄武区住房和城乡建设局", "玄武区医疗保障局", "玄武区教育局")


@demo_step("consultation.demo", order=125)
def demo_consultation(ctx: DemoContext) -> None:
    users = {u.username: u for u in User.objects.filter(
        username__in=["window_clerk", "township_reviewer", "government_leader", "medical_dept_handler"])}
    if len(users) < 4 or Case.objects.filter(created_by=users["window_clerk"], client_key=KEY).exists():
        return  # no demo staff, or a second run: nothing changes
    person = Person.objects.filter(Q(name="曾秀珍") & Q(residence_region__code__startswith=MEIYUAN[:9])).first()
    now = timezone.now()
    case = case_intake(actor=users["window_clerk"], data=IntakeInput(
        channel=Channel.WINDOW, handling_region_code=MEIYUAN, event_at=now - timedelta(days=2),
        categories=["fire"], needs=["money", "food_shelter", "education"],
        description="夜间电线老化起火，房屋烧毁，孙子烧伤住院；家中仅祖孙二人，无力承担住院和重建费用。",
        person_id=person.pk if person is not None else None,
        subject_name="" if person is not None else "未登记对象", reporter_name="曾秀珍", client_key=KEY)).case
    case = Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)
    case = wf.case_review(actor=users["township_reviewer"], case=case, version=case.version, data=wf.ReviewInput(
        opinion="经入户调查，房屋全部烧毁，孙子二度烧伤住院，申请救助金额超过单次救助上限，建议报告协商。",
        requested_amount_fen=1_200_000, severity="critical", home_visit_on=timezone.localdate() - timedelta(days=1),
        home_visit_note="房屋主体烧毁，暂住邻居家。"))
    escalation = Escalation.objects.get(case=case)
    offices = list(Organisation.objects.filter(name__in=INVITED))
    consultation = cs.consultation_convene(
        actor=users["government_leader"], escalation=escalation, version=escalation.version,
        agenda="曾秀珍家火灾后房屋烧毁、孙子住院，申请救助 12,000 元，超过单次救助上限，研究一事一议和部门分工。",
        invitations=[cs.InvitationDraft(o.pk, "请就本部门可提供的帮扶提出意见") for o in offices])
    medical = Opinion.objects.filter(consultation=consultation, office__name="玄武区医疗保障局").first()
    if medical is not None:
        cs.opinion_give(actor=users["medical_dept_handler"], opinion=medical, version=medical.version,
                        text="孙子住院费用可纳入医疗救助，一站式结算后自付部分约 3,000 元。",
                        can_help="医疗救助（一站式结算）")
    ctx.created("escalations", 1)
