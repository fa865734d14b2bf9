"""Printed forms as PDF (审批表, 告知书, 先行救助回执): rendered by the worker job with the CJK font,
checked by extracting the PDF's text (without the font WeasyPrint draws empty boxes silently);
asked for, watched and downloaded through the scoped pages."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from jijinan.audit.models import AccessLog
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, CaseCategory
from jijinan.cases.printing import render as printing
from jijinan.cases.printing import services as print_services
from jijinan.cases.workflow import services as wf
from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.queue import job_claim, job_run
from jijinan.core.models import Job
from jijinan.core.permissions import Role
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import GULOU, XUANWU, persona

pytestmark = pytest.mark.django_db

FONT_HELP = ("the printed forms need the TrueType CJK font WenQuanYi Zen Hei (Debian fonts-wqy-zenhei); "
             "install it with ./.ci/system-deps fonts")


@pytest.fixture(scope="module", autouse=True)
def _cjk_font() -> None:
    """Fail (never skip) when the font is missing: the PDFs would show empty boxes."""
    try:
        pdf = printing.html_to_pdf('<html><body style="font-family: \'WenQuanYi Zen Hei\'">审批表</body></html>')
    except printing.PrintError as exc:
        pytest.fail(f"{FONT_HELP} ({exc})")
    if "审批表" not in _text(pdf):
        pytest.fail(FONT_HELP)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    return {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.COUNTY_APPROVER, Role.SUPERVISOR)}


@pytest.fixture
def subject(world, defaults):  # type: ignore[no-untyped-def]
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))
    return head, household


def _case(people: dict[str, Any], subject: Any, **overrides: Any) -> Case:
    head, household = subject
    values = {"person_id": head.pk, "household_id": household.pk, "subject_name": "", "needs": ["money"],
              "reporter_phone": "13912345678"}
    values.update(overrides)
    return case_intake(actor=people[Role.WINDOW_CLERK], data=intake(**values)).case


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)


def _review(**overrides: Any) -> wf.ReviewInput:
    values: dict[str, Any] = {"opinion": "经入户调查，家中失火，情况属实", "requested_amount_fen": 150000,
                              "home_visit_on": timezone.localdate(), "home_visit_note": "房屋烧毁，暂住亲戚家",
                              "appraisal": "passed", "appraisal_note": "村民代表一致同意"}
    values.update(overrides)
    return wf.ReviewInput(**values)


def _approved(people: dict[str, Any], subject: Any) -> Case:
    case = _case(people, subject)
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review())
    return wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _masked_id(case: Case) -> str:
    assert case.person is not None and case.person.id_number is not None
    return str(case.person.id_number.masked)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _run_jobs() -> int:
    ran = 0
    while (claimed := job_claim(worker_id="test-worker")) is not None:
        assert job_run(claimed, worker_id="test-worker"), Job.objects.get(pk=claimed.pk).last_error
        ran += 1
    return ran


# --- the upper-case amount ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fen", "words"), [
    (0, "零元整"), (150000, "壹仟伍佰元整"), (1000, "壹拾元整"), (50, "伍角整"), (5, "伍分"), (55, "伍角伍分"),
    (150050, "壹仟伍佰元伍角整"), (150005, "壹仟伍佰元零伍分"), (100100, "壹仟零壹元整"), (101000, "壹仟零壹拾元整"),
    (10000100, "壹拾万零壹元整"), (10050000, "壹拾万零伍佰元整"), (100000005, "壹佰万元零伍分"),
    (123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"), (10000000001, "壹亿元零壹分"),
    (10000000100, "壹亿零壹元整"), (12000000000, "壹亿贰仟万元整"), (1200100000, "壹仟贰佰万壹仟元整"),
])
def test_amounts_in_upper_case_chinese(fen: int, words: str) -> None:
    assert printing.amount_in_words(fen) == words


@pytest.mark.parametrize("bad", [-1, 1.5, True, "100", 10**16])
def test_amounts_in_words_refuse_what_is_not_an_amount(bad: Any) -> None:
    with pytest.raises(ValueError):
        printing.amount_in_words(bad)


_VALUES = {c: i for i, c in enumerate(printing.DIGITS)}
_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def _read_back(words: str) -> int:
    """An independent reader of the upper-case amount, back to fen."""
    assert words.endswith(("整", "分")), words
    body = words.removesuffix("整")
    yuan_part, _sep, small = body.partition("元") if "元" in body else ("", "", body)
    total, section, digit = 0, 0, 0
    for char in yuan_part:
        if char in _VALUES:
            digit = _VALUES[char]
        elif char in _UNITS:
            section += digit * _UNITS[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif char == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
        else:
            raise AssertionError(char)
    fen = (total + section + digit) * 100
    match = re.fullmatch(r"零?(?:(.)角)?(?:(.)分)?", small)
    assert match is not None, words
    fen += _VALUES[match[1]] * 10 if match[1] else 0
    fen += _VALUES[match[2]] if match[2] else 0
    assert ("零零" not in words and not words.startswith("零")) or words == "零元整"
    return fen


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_amounts_in_words_read_back_to_the_same_amount(fen: int) -> None:
    assert _read_back(printing.amount_in_words(fen)) == fen


# --- the forms, rendered -----------------------------------------------------------------------------------


def test_the_approval_form_shows_the_applicant_masked_the_review_the_decision_and_the_approval(people, subject):
    case = _fresh(_approved(people, subject))
    pdf = printing.render_pdf(case, printing.APPROVAL).pdf
    assert any("WenQuanYi" in name for name in printing.embedded_fonts(pdf))
    text = _flat(_text(pdf))
    masked = _masked_id(case)
    assert masked.startswith("3") and "*" * 10 in masked
    assert case.person is not None
    full = case.person.id_number.reveal()
    fire = CaseCategory.objects.get(code="fire").name
    for expected in ("审批表", case.number, "王建国", masked, "2人", case.handling_region.name, fire,
                     "经入户调查，家中失火，情况属实", "房屋烧毁，暂住亲戚家", "评议通过",
                     "1,500.00", "壹仟伍佰元整", "乡镇（街道）审批", "符合", "版本", "审批人签字", "（审批机关盖章）"):
        assert _flat(expected) in text, expected
    assert full not in text  # never the whole ID number
    decision = case.decision
    assert decision is not None
    for line in decision.result["explanation"]["lines"][:3]:
        assert _flat(line["label_zh"]) in text
    version = decision.parameters[0]["version_id"]
    assert f"版本{version}" in text
    lead = people[Role.TOWNSHIP_LEAD]
    assert _flat(lead.full_name or lead.username) in text


def test_a_household_case_prints_its_head_as_the_applicant(people, subject):
    _head, household = subject
    case = _case(people, subject, person_id=None, household_id=household.pk)  # the household alone
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review())
    text = _flat(_text(printing.render_pdf(_fresh(case), printing.APPROVAL).pdf))
    assert "申请人王建国" in text and _masked_id(_fresh(case)) in text and "申请人—" not in text


def test_an_approval_form_before_approval_leaves_the_approval_blank(people, subject):
    case = _case(people, subject)
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review())
    text = _flat(_text(printing.render_pdf(_fresh(case), printing.APPROVAL).pdf))
    assert "（待审批）" in text and "审批表" in text


@pytest.mark.parametrize(("deny", "title", "decision"), [(False, "不予受理告知书", "不予受理"),
                                                        (True, "不予救助告知书", "不予救助")])
def test_the_refusal_notice_says_the_reason_and_the_right_of_appeal(people, subject, deny, title, decision):
    case = _case(people, subject)
    if deny:
        case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                              data=_review())
        case = wf.case_deny(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version,
                            reason="家庭收入超过标准")
    else:
        case = wf.case_not_accept(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                                  reason="非本辖区户籍，已告知向居住地申请")
    text = _flat(_text(printing.render_pdf(_fresh(case), printing.REFUSAL).pdf))
    for expected in (title, case.number, "王建国", f"本机关决定{decision}", case.refusal_reason, "行政复议", "行政诉讼",
                     "六十日内", "六个月内", "（盖章）", case.handling_region.name):
        assert _flat(expected) in text, expected


def test_the_receipt_has_one_page_per_fast_track_payment_with_the_amount_in_words(people, subject):
    case = _case(people, subject, crisis=False)
    case = wf.case_fast_track(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                              amount_fen=150000, method="cash", note="火灾当晚先行发放")
    pdf = printing.render_pdf(_fresh(case), printing.RECEIPT).pdf
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _flat(_text(pdf))
    for expected in ("先行救助回执", case.number, "王建国", _masked_id(_fresh(case)), "1,500.00", "人民币壹仟伍佰元整",
                     "现金", "火灾当晚先行发放", "领款人（签字或按手印）", "经办人（签字）"):
        assert _flat(expected) in text, expected


def test_a_form_that_does_not_apply_is_refused_with_the_reason(people, subject):
    case = _fresh(_case(people, subject))
    for form, words in ((printing.APPROVAL, "尚未审核"), (printing.REFUSAL, "不予受理或不予救助"),
                        (printing.RECEIPT, "没有先行救助")):
        assert words in printing.unavailable_reason(case, form)
        with pytest.raises(Exception) as refused:
            print_services.print_request(actor=people[Role.TOWNSHIP_REVIEWER], case=case, form=form)
        assert getattr(refused.value, "status", None) == 409 and words in str(refused.value)
    assert not Job.objects.filter(name=print_services.PRINT_JOB).exists()


def test_user_text_cannot_make_the_renderer_fetch_anything(people, subject):
    case = _case(people, subject)
    case = wf.case_not_accept(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                              reason='<img src="http://198.51.100.1/x.png">不属于救助范围')
    html = printing.render_html(_fresh(case), printing.REFUSAL)
    assert "<img" not in html and "&lt;img" in html
    assert "http" not in re.sub(r"&lt;img src=&quot;http://198\.51\.100\.1/x\.png&quot;&gt;", "", html)
    assert "不属于救助范围" in _text(printing.html_to_pdf(html))
    with pytest.raises(printing.PrintError, match="fetch nothing"):
        printing.html_to_pdf('<html><body><img src="http://198.51.100.1/x.png">审批表</body></html>')


# --- through the pages and the worker ------------------------------------------------------------------------


def test_ask_watch_and_download_a_pdf_made_by_the_worker(people, subject):
    case = _approved(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    page = reviewer.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/print/approval/" in page and f"/cases/{case.pk}/print/receipt/" not in page

    asked = reviewer.post(f"/cases/{case.pk}/print/approval/")
    assert asked.status_code == 302
    queued = Job.objects.get(name=print_services.PRINT_JOB)
    request_id = uuid.UUID(queued.payload["request_id"])
    assert queued.payload == {"case_id": case.pk, "form": "approval", "request_id": str(request_id),
                              "requested_by": people[Role.TOWNSHIP_REVIEWER].pk}
    status_url = f"/cases/{case.pk}/print/approval/{request_id}/"
    assert asked["Location"] == status_url
    waiting = reviewer.get(status_url)
    assert waiting.status_code == 200 and 'http-equiv="refresh"' in waiting.content.decode()
    assert reviewer.get(status_url + "download/").status_code == 404  # not made yet

    assert _run_jobs() == 1
    assert Job.objects.get(pk=queued.pk).status == JobStatus.DONE
    ready = reviewer.get(status_url).content.decode()
    assert 'data-state="ready"' in ready and "http-equiv" not in ready and status_url + "download/" in ready

    logged = AccessLog.objects.filter(subject_type="cases.case", subject_id=str(case.pk), kind="print").count()
    download = reviewer.get(status_url + "download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;") and case.number in download["Content-Disposition"]
    pdf = b"".join(download.streaming_content)
    assert pdf.startswith(b"%PDF")
    text = _flat(_text(pdf))
    assert "审批表" in text and case.number in text and _masked_id(_fresh(case)) in text
    assert AccessLog.objects.filter(subject_type="cases.case", subject_id=str(case.pk),
                                    kind="print").count() == logged + 1
    # The file lies outside the web root, under the private directory.
    path = print_services.print_path(case.pk, "approval", request_id)
    assert path.exists() and "private" in path.parts


def test_a_request_the_case_outgrew_before_the_worker_came_says_why(people, subject):
    case = _case(people, subject)
    case = wf.case_not_accept(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                              reason="不属于救助范围")
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    status_url = reviewer.post(f"/cases/{case.pk}/print/refusal/")["Location"]
    Case.objects.filter(pk=case.pk).update(stage="accepted")  # reopened meanwhile (directly, for the test)
    assert _run_jobs() == 1
    failed = reviewer.get(status_url).content.decode()
    assert 'data-state="failed"' in failed and "没有告知书可打印" in failed
    assert reviewer.get(status_url + "download/").status_code == 404


def test_outside_the_scope_nothing_is_queued_and_nothing_is_shown(world, people, subject):
    case = _approved(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER])
    status_url = reviewer.post(f"/cases/{case.pk}/print/approval/")["Location"]
    _run_jobs()
    outsider = _client(persona(world, Role.TOWNSHIP_REVIEWER, at=GULOU))
    jobs = Job.objects.count()
    assert outsider.post(f"/cases/{case.pk}/print/approval/").status_code == 404
    assert Job.objects.count() == jobs
    assert outsider.get(status_url).status_code == 404
    logged = AccessLog.objects.count()
    assert outsider.get(status_url + "download/").status_code == 404
    assert AccessLog.objects.count() == logged
    # An unknown form, a request never made, a wrong method.
    assert reviewer.post(f"/cases/{case.pk}/print/nonsense/").status_code == 404
    assert reviewer.get(f"/cases/{case.pk}/print/approval/{uuid.uuid4()}/").status_code == 404
    assert reviewer.get(f"/cases/{case.pk}/print/approval/").status_code == 405
    # A form that does not apply: the reason, and nothing queued.
    refused = reviewer.post(f"/cases/{case.pk}/print/receipt/")
    assert refused.status_code == 409 and "没有先行救助记录" in refused.content.decode()
    assert Job.objects.count() == jobs
    # A role that may not see cases at all.
    informant = _client(persona(world, Role.INFORMANT, at=XUANWU))
    assert informant.post(f"/cases/{case.pk}/print/approval/").status_code == 403
    assert Job.objects.count() == jobs


def test_the_print_buttons_show_only_to_those_who_may_print(people, subject):
    case = _approved(people, subject)
    reviewer = _client(people[Role.TOWNSHIP_REVIEWER]).get(f"/cases/{case.pk}/")
    assert 'data-testid="print-forms"' in reviewer.content.decode()
    supervisor = _client(people[Role.SUPERVISOR]).get(f"/cases/{case.pk}/")
    assert supervisor.status_code == 200 and 'data-testid="print-forms"' not in supervisor.content.decode()
