"""Demo cases in 玄武区's townships: a dozen cases from several channels and in several stages,
one crisis case with its first-contact deadline, and the county's on-call contact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jijinan.accounts.models import User
from jijinan.cases.choices import Channel, Stage
from jijinan.cases.intake.services import IntakeInput, case_intake, on_call_add
from jijinan.cases.models import Case, OnCallContact
from jijinan.cases.workflow import services as wf
from jijinan.core.demo import DemoContext, demo_step
from jijinan.regions.models import Region
from jijinan.registry.models import Person

XUANWU, MEIYUAN, XUANWUMEN = "320102000000", "320102002000", "320102005000"

# (key, user, channel, township, subject name in the registry or "" (unidentified), categories, needs,
#  description, crisis note, stage to show, hours ago)
CASES = [
    ("demo-01", "window_clerk", Channel.WINDOW, MEIYUAN, "王建国", ["serious_illness"], ["money", "medical"],
     "妻子尿毒症突发住院，急需透析费用，家庭无力承担，申请临时救助。", "", "fast_track", 30),
    ("demo-02", "window_clerk", Channel.WINDOW, MEIYUAN, "刘芳", ["family_crisis"], ["money", "education"],
     "离异后独自抚养两个孩子，近期失去工作，孩子学费无着落。", "", Stage.REVIEWED, 200),
    ("demo-03", "hotline_operator", Channel.HOTLINE_12345, MEIYUAN, "", ["fire"], ["food_shelter", "money"],
     "12345 转来：居民楼火灾，一户三口无处居住。", "", Stage.ACCEPTED, 5),
    ("demo-04", "hotline_operator", Channel.HOTLINE, XUANWUMEN, "", ["mental_crisis"], ["counselling"],
     "来电人称邻居多日未出门，曾流露轻生念头。", "邻居流露轻生念头，独居", Stage.ACCEPTED, 1),
    ("demo-05", "informant", Channel.INFORMANT, MEIYUAN, "", ["other"], ["care"],
     "网格员走访发现独居老人张桂兰行动不便，无人照料。", "", Stage.REPORTED, 50),
    ("demo-06", "township_reviewer", Channel.DEPARTMENT, MEIYUAN, "赵德明", ["serious_illness"], ["money", "medical"],
     "医保局转介：化疗自付费用高。", "", Stage.APPROVED, 400),
    ("demo-07", "relief_station_staff", Channel.RELIEF_STATION, XUANWUMEN, "", ["vagrancy"], ["food_shelter"],
     "救助站接收一名外地流浪人员，自述钱包被盗，需返乡。", "", Stage.ACCEPTED, 100),
    ("demo-08", "window_clerk", Channel.WINDOW, MEIYUAN, "陈志强", ["accident"], ["money", "employment"],
     "工伤致残后失业，家庭收入骤降。", "", Stage.FOLLOW_UP, 700),
    ("demo-09", "township_reviewer", Channel.WARNING, MEIYUAN, "周玉梅", ["serious_illness"], ["medical"],
     "医保数据预警：本月自付医疗费超过家庭收入。", "", Stage.DISCOVERED, 12),
    ("demo-10", "window_clerk", Channel.WINDOW, MEIYUAN, "周玉梅", ["serious_illness"], ["money"],
     "突发脑梗住院，自付费用高，申请临时救助。", "", Stage.CLOSED, 1500),
    ("demo-11", "county_approver", Channel.ONLINE, XUANWUMEN, "", ["schooling"], ["education"],
     "网上申请：孩子考上大学，学费无力支付。", "", Stage.REPORTED, 20),
    ("demo-12", "township_lead", Channel.WINDOW, MEIYUAN, "", ["unemployment"], ["employment", "money"],
     "失业半年，积蓄用尽，房租拖欠。", "", Stage.NOT_ACCEPTED, 300),
    ("demo-13", "window_clerk", Channel.WINDOW, MEIYUAN, "", ["unemployment"], ["money"],
     "对象已搬至玄武门街道居住，申请临时救助。", "", Stage.TRANSFERRED_OUT, 10),
]


@demo_step("cases.demo", order=110)
def demo_cases(ctx: DemoContext) -> None:
    users = {u.username: u for u in User.objects.filter(username__in={c[1] for c in CASES} | {"county_approver"})}
    if not users:
        return
    now = timezone.now()
    county = Region.objects.filter(code=XUANWU).first()
    approver = users.get("county_approver")
    if county is not None and approver is not None:
        created = not OnCallContact.objects.filter(county=county, user=approver, note="演示值班").exists()
        if created:
            on_call_add(actor=approver, county_code=county.code, user=approver, starts_at=now - timedelta(days=1),
                        ends_at=now + timedelta(days=365), note="演示值班")
        ctx.created("on-call contacts", int(created))
    made = 0
    for key, username, channel, township, name, categories, needs, text, crisis, stage, hours in CASES:
        user = users.get(username)
        if user is None or Case.objects.filter(created_by=user, client_key=key).exists():
            continue  # a second run changes nothing
        person = Person.objects.filter(Q(name=name) & Q(residence_region__code__startswith=township[:9])).first() \
            if name else None
        result = case_intake(actor=user, data=IntakeInput(
            channel=channel, handling_region_code=township, event_at=now - timedelta(hours=hours),
            categories=categories, needs=needs, description=text, crisis=bool(crisis), crisis_note=crisis,
            person_id=person.pk if person is not None else None,
            subject_name="" if person is not None else "未登记对象", reporter_name="演示报告人",
            work_orders={"12345": "NJ12345-2026-0001"} if channel == Channel.HOTLINE_12345 else {},
            client_key=key))
        if result.created:
            made += 1
            _advance(result.case, stage, users)
    ctx.created("cases", made)


def _advance(case: Case, stage: str, users: dict[str, User]) -> None:
    """Move a demo case to the stage it shows through the workflow's own services."""
    reviewer, lead = users.get("township_reviewer"), users.get("township_lead")
    if reviewer is None or lead is None:
        return

    def fresh() -> Case:
        return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)

    review = wf.ReviewInput(opinion="经入户调查，情况属实，建议给予临时救助。", requested_amount_fen=180000,
                            home_visit_on=timezone.localdate() - timedelta(days=1),
                            home_visit_note="家中陈设简陋，主要劳动力无法工作。")
    steps: dict[str, list[Any]] = {
        Stage.REVIEWED: ["review"],
        Stage.APPROVED: ["review", "approve"],
        Stage.FOLLOW_UP: ["review", "approve", "assist", "follow_up"],
        Stage.CLOSED: ["review", "approve", "assist", "follow_up", "record", "close"],
        Stage.NOT_ACCEPTED: ["not_accept"],
        Stage.TRANSFERRED_OUT: ["transfer"],
        "fast_track": ["fast_track"],
    }
    calls: dict[str, Any] = {
        "review": lambda c: wf.case_review(actor=reviewer, case=c, version=c.version, data=review),
        "approve": lambda c: wf.case_approve(actor=lead, case=c, version=c.version),
        "assist": lambda c: wf.case_assist(actor=reviewer, case=c, version=c.version,
                                           amount_fen=c.decided_amount_fen or 0, method="bank"),
        "follow_up": lambda c: wf.case_follow_up(actor=reviewer, case=c, version=c.version,
                                                 note="电话回访：救助金已到账，情况好转"),
        "record": lambda c: wf.follow_up_record(actor=reviewer, case=c, version=c.version, data=wf.FollowUpInput(
            method="phone", done_on=timezone.localdate(), outcome="救助金已到账，已出院回家休养", satisfaction=5,
            need_resolved=True)),
        "close": lambda c: wf.case_close(actor=reviewer, case=c, version=c.version),
        "not_accept": lambda c: wf.case_not_accept(actor=lead, case=c, version=c.version,
                                                   reason="申请人有稳定工作收入，不属于急难救助范围；可申请就业援助。"),
        "transfer": lambda c: wf.case_transfer(actor=reviewer, case=c, version=c.version, to_region_code=XUANWUMEN,
                                               reason="对象已迁居玄武门街道，按居住地办理"),
        "fast_track": lambda c: wf.case_fast_track(actor=reviewer, case=c, version=c.version, amount_fen=150000,
                                                   method="cash", note="住院押金，当日先行支付"),
    }
    for name in steps.get(stage, []):
        calls[name](fresh())
