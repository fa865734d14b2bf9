"""Every page fits a 390-pixel phone and passes axe-core: each role signs in once on a 390×844
screen and visits the pages it works with, in Chinese and in English (the language cookie); each
page is checked with ``check_page`` (no sideways scrolling, no serious or critical violation)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from e2e.conftest import JOURNEY_PASSWORD, check_page, ready, seed_again, sign_in
from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case
from jijinan.cases.workflow import services as wf
from jijinan.consultation import services as consultation
from jijinan.consultation.models import Escalation, Opinion
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.permissions import Role
from jijinan.referrals import services as referrals
from jijinan.regions.models import Region
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.test_cases_workflow import _county_level_review
from tests.world import XUANWU, build_world, government_office, load_policy_defaults, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)


def _setup() -> dict[str, object]:
    seed_again()
    world = build_world()
    load_policy_defaults()
    people: dict[str, User] = {role: ready(persona(world, role, at=XUANWU)) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.SUPERVISOR)}
    people[Role.ADMINISTRATOR] = ready(persona(world, Role.ADMINISTRATOR, at="320000000000"))
    medical = Organisation.objects.create(
        kind=OrganisationKind.DEPARTMENT_OFFICE, name="玄武区医疗保障局（城乡居民医疗救助经办窗口）",
        region=Region.objects.get(code=XUANWU), department_type=DepartmentType.objects.get(code="medical_security"))
    handler = User.objects.create_user(username="yb_layout", password=JOURNEY_PASSWORD, organisation=medical,
                                       full_name="欧阳明月")
    Grant.objects.create(user=handler, role=Role.DEPARTMENT_HANDLER, region=medical.region,
                         department_type=medical.department_type)
    people[Role.DEPARTMENT_HANDLER] = ready(handler)
    # A family with a long name and address, a case with a full timeline, and a task for the office.
    head = _person("阿卜杜热合曼·艾买提江", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))
    case = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=head.pk, household_id=household.pk, subject_name="", categories=["fire", "serious_illness"],
        needs=["money", "medical"], reporter_phone="13912345678",
        description="凌晨家中失火，房屋烧毁，一家两口无处居住；户主住院治疗，医疗费用无力承担")).case
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=wf.ReviewInput(opinion="经入户调查，情况属实，建议给予临时救助",
                                              requested_amount_fen=150000, home_visit_on=timezone.localdate(),
                                              home_visit_note="入户核实", appraisal="passed", appraisal_note=""))
    case = wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)
    referrals.tasks_open(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), drafts=[referrals.TaskDraft(
        office_id=medical.pk, need="medical", description="请核实住院费用并按规定给予医疗救助",
        required_result="医疗救助办理结果")])
    outbox_deliver_due(worker_id="layout")  # the office's notice: its unread count shows on the top bar
    # A case above the township's ceiling, on the public notice board while its notice runs.
    other = _person("欧阳明月", TOWNSHIP, 13, phone="13812345678")
    _county_level_review(people, case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=other.pk, household_id=_household(other, _person("张伟", TOWNSHIP, 14)).pk, subject_name="",
        needs=["money", "medical"], reporter_phone="13812345678")).case)
    # A case above the cap escalated to the district's government, convened with the medical office;
    # a crisis case, whose track shows on its page and the crisis list.
    government_office()
    people[Role.GOVERNMENT_LEADER] = ready(persona(world, Role.GOVERNMENT_LEADER, at=XUANWU))
    third = _person("司马相如", TOWNSHIP, 15, phone="13712345678")
    above = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=third.pk, household_id=_household(third).pk, subject_name="", needs=["money", "medical"])).case
    wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(above), version=above.version,
                   data=wf.ReviewInput(opinion="房屋烧毁，申请金额超过单次救助上限", requested_amount_fen=1_200_000,
                                       home_visit_on=timezone.localdate()))
    escalation = Escalation.objects.get(case=above)
    consultation.consultation_convene(
        actor=people[Role.GOVERNMENT_LEADER], escalation=escalation, version=escalation.version,
        agenda="研究一事一议救助金额和部门分工（医疗救助、临时住所、子女就学）",
        invitations=[consultation.InvitationDraft(medical.pk, "请提出医疗救助意见")])
    opinion = Opinion.objects.get(consultation__escalation=escalation)
    crisis = case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        crisis=True, crisis_note="独居老人流露轻生念头", categories=["mental_crisis"], needs=["counselling"])).case
    outbox_deliver_due(worker_id="layout")  # the crisis alert opens its intervention track
    return {"people": people, "case": case, "person": head, "household": household, "escalation": escalation,
            "opinion": opinion, "crisis": crisis}


def _pages(setup: dict[str, object]) -> dict[str, list[tuple[str, str]]]:
    case, person, household = setup["case"], setup["person"], setup["household"]
    return {
        Role.WINDOW_CLERK: [
            ("home", "/"), ("intake", "/cases/new/"), ("account", "/accounts/me/"), ("inbox", "/inbox/")],
        Role.TOWNSHIP_REVIEWER: [
            ("queue", "/cases/queue/"), ("case", f"/cases/{case.pk}/"),  # type: ignore[attr-defined]
            ("persons", "/registry/persons/"), ("person", f"/registry/persons/{person.pk}/"),  # type: ignore[attr-defined]
            ("households", "/registry/households/"),
            ("household", f"/registry/households/{household.pk}/"),  # type: ignore[attr-defined]
            ("public-notices", "/cases/public-notices/?region=320102000000"), ("deadlines", "/deadlines/"),
            ("verification", "/verification/"), ("policy", "/policy/"), ("calculator", "/policy/calculator/"),
            ("decisions", "/policy/decisions/"), ("inbox-reviewer", "/inbox/")],
        Role.DEPARTMENT_HANDLER: [("office-queue", "/referrals/office/"), ("inbox-office", "/inbox/"),
                                  ("office-opinions", "/consultation/opinions/"),
                                  ("office-opinion", f"/consultation/opinions/{setup['opinion'].pk}/")],  # type: ignore[attr-defined]
        Role.TOWNSHIP_LEAD: [("home-lead", "/"), ("crisis-case", f"/cases/{setup['crisis'].pk}/"),  # type: ignore[attr-defined]
                             ("crises", "/consultation/crisis/")],
        Role.GOVERNMENT_LEADER: [("home-leader", "/"), ("escalations", "/consultation/"),
                                 ("escalation", f"/consultation/{setup['escalation'].pk}/")],  # type: ignore[attr-defined]
        Role.SUPERVISOR: [("flags", "/referrals/flags/"), ("audit", "/audit/")],
        Role.ADMINISTRATOR: [
            ("regions", "/regions/"), ("staff", "/accounts/staff/"), ("calendar", "/calendar/"),
            ("imports", "/exchange/"), ("batches", "/exchange/batches/")],
    }


def _check(page, name: str, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    try:
        check_page(page, name)
    except AssertionError as failed:
        problems.append(str(failed).split("\nassert ")[0] + _wide(page))


# The elements that reach past the window's right edge (not inside a box that scrolls), to say
# what makes a page too wide.
WIDE = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right <= window.innerWidth + 1 || r.width === 0) continue;
    let inner = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") { inner = true; break; }
    }
    if (inner) continue;
    const scrolls = ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
    if (!scrolls && [...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1)) continue;
    out.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "")
             + (el.id ? "#" + el.id : "") + " → " + Math.round(r.right));
  }
  return out.slice(0, 8);
}"""


# The contrast of the unread count on the top bar (axe-core leaves one-character text to a person).
CONTRAST = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let back = null;
  for (let p = el; p && !back; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length < 4 || c[3] > 0) back = c;
  }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(back || [255, 255, 255]);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def _wide(page) -> str:  # type: ignore[no-untyped-def]
    found = page.evaluate(WIDE)
    return ("\n  too wide: " + "; ".join(found)) if found else ""


def test_every_page_fits_a_phone_and_passes_axe_in_both_languages(browser, live_server):  # type: ignore[no-untyped-def]
    setup = _setup()
    people = setup["people"]
    assert isinstance(people, dict)
    seen: list[str] = []
    problems: list[str] = []  # every page's problems, reported together
    badges = 0
    for role, pages in _pages(setup).items():
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        if not seen:  # the sign-in page, before anyone signs in
            for language in ("zh-hans", "en"):
                context.add_cookies([{"name": "jijinan_language", "value": language, "url": live_server.url}])
                page.goto(live_server.url + "/accounts/login/")
                _check(page, f"layout-{language}-login", problems)
            context.add_cookies([{"name": "jijinan_language", "value": "zh-hans", "url": live_server.url}])
        sign_in(page, people[role].username)
        for language in ("zh-hans", "en"):
            context.add_cookies([{"name": "jijinan_language", "value": language, "url": live_server.url}])
            for name, url in pages:
                response = page.goto(live_server.url + url)
                if response is None or response.status != 200:
                    problems.append(f"{role} {url}: {response and response.status}")
                    continue
                if name in ("case", "crisis-case"):  # its panels load after the page
                    page.wait_for_load_state("networkidle")
                _check(page, f"layout-{language}-{name}", problems)
                ratio = page.evaluate(CONTRAST, "[data-testid=inbox-link] .badge")
                badges += ratio is not None
                if ratio is not None and ratio < 4.5:
                    problems.append(f"{language} {name}: the unread count's contrast is {ratio:.2f}:1, under 4.5:1")
                seen.append(f"{language} {name}")
        context.close()
    assert not problems, "\n\n".join(problems)
    assert len(seen) == 2 * sum(len(p) for p in _pages(setup).values())
    assert badges, "no page showed an unread count"
