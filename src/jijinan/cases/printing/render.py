"""Printed forms of a case as PDF: the approval form (审批表), the refusal notice (不予受理/不予救助告知书)
and the emergency-aid receipt (先行救助回执).

A form is read from the case (``*_context``), rendered to HTML by a Django template under
``cases/print/`` and to PDF by WeasyPrint with the TrueType CJK font WenQuanYi Zen Hei; nothing is
fetched from any network. The worker renders it (see :mod:`jijinan.cases.printing.services`).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.cases.choices import REFUSED_STAGES, AidMethod, Stage
from jijinan.cases.models import Case, CaseAid, CaseEvent, CaseReview
from jijinan.cases.selectors import vocabulary_names
from jijinan.core.errors import Conflict, NotFound
from jijinan.policy.display import calculator_version_text, used_parameters

FONT_FAMILY = "WenQuanYi Zen Hei"
APPROVAL_EVENTS = ("stage.approve", "stage.makeup_approve")

APPROVAL, REFUSAL, RECEIPT = "approval", "refusal", "receipt"
FORMS: dict[str, Any] = {
    APPROVAL: gettext_lazy("审批表"),
    REFUSAL: gettext_lazy("告知书"),
    RECEIPT: gettext_lazy("先行救助回执"),
}
# What each form shows that the access log names when it is downloaded.
FORM_FIELDS: dict[str, list[str]] = {
    APPROVAL: ["id_number", "household_members", "review", "decision"],
    REFUSAL: ["refusal_reason"],
    RECEIPT: ["id_number", "aid"],
}


class PrintError(Exception):
    """The PDF could not be made (the server lacks something): the job fails and says why."""


# --- the upper-case Chinese amount (大写金额) -------------------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
GROUP_UNITS = ("", "万", "亿")


def _group_words(group: int) -> str:
    """0 < group < 10000, without the zero a lower group's leading zeros need (the caller adds it)."""
    out, zero = "", False
    for unit, digit in zip(("仟", "佰", "拾", ""), f"{group:04d}", strict=True):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out += "零"
        out += DIGITS[int(digit)] + unit
        zero = False
    return out


def _yuan_words(yuan: int) -> str:
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    if len(groups) > len(GROUP_UNITS):
        raise ValueError("amount too large")
    out, zero = "", False
    for i in reversed(range(len(groups))):
        group = groups[i]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += "零"
        out += _group_words(group) + GROUP_UNITS[i]
        zero = False
    return out


def amount_in_words(fen: int) -> str:
    """An amount in fen as the upper-case Chinese amount of financial documents:
    150000 → 壹仟伍佰元整, 100005 → 壹仟元零伍分, 50 → 伍角整, 0 → 零元整 (up to 9999 亿 元)."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError("amount must be a non-negative integer of fen")
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    words = _yuan_words(yuan)
    if words:
        words += "元"
    if jiao == 0 and cents == 0:
        return (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif words:
        words += "零"
    return words + (DIGITS[cents] + "分" if cents else "整")


# --- what each form shows ------------------------------------------------------------------------------


def _local(value: Any) -> Any:
    return timezone.localtime(value) if value is not None else None


def _who(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _applicant(case: Case) -> dict[str, Any]:
    person = case.person
    if person is None:
        return {"name": case.subject_name or "—", "id_masked": "—"}
    protected: Any = person.id_number  # loaded as a Protected value: masked, decrypted only to mask it
    shown = protected.masked if protected is not None else (person.temporary_number or "—")
    return {"name": person.name, "id_masked": shown}


def _members(case: Case) -> int | None:
    if case.household is not None:
        return case.household.members.filter(left_on__isnull=True).count()
    return 1 if case.person is not None else None


def _common(case: Case) -> dict[str, Any]:
    return {"case": case, "office": case.handling_region.name, "applicant": _applicant(case),
            "printed_at": timezone.localtime()}


def unavailable_reason(case: Case, form: str) -> str:
    """Why ``form`` cannot be printed for the case now; empty when it can."""
    if form == REFUSAL and case.stage not in REFUSED_STAGES:
        return _("该事项未被不予受理或不予救助，没有告知书可打印")
    if form == APPROVAL and not CaseReview.objects.filter(case=case).exists():
        return _("该事项尚未审核，没有审批表可打印")
    if form == RECEIPT and not CaseAid.objects.filter(case=case, fast_track=True).exists():
        return _("该事项没有先行救助记录，没有回执可打印")
    return ""


def approval_context(case: Case) -> dict[str, Any]:
    """The approval form: the applicant, the latest review, the engine's decision, the approval."""
    review = (CaseReview.objects.filter(case=case).select_related("reviewer", "decision")
              .order_by("-at", "-id").first())
    if review is None:
        raise Conflict(_("该事项尚未审核，没有审批表可打印"), code="not_printable")
    decision = review.decision
    explanation = (decision.result or {}).get("explanation") or {}
    lines = [{"label": line.get("label_zh", ""), "value": line.get("value_zh", ""), "passed": line.get("passed")}
             for line in explanation.get("lines", [])]
    parameters = used_parameters(list(decision.parameters or []))
    approval = (CaseEvent.objects.filter(case=case, kind__in=APPROVAL_EVENTS).select_related("actor")
                .order_by("-at", "-id").first())
    categories, _needs = vocabulary_names()
    approved_fen = None
    if approval is not None:
        approved_fen = (approval.data or {}).get("amount_fen", case.decided_amount_fen)
    return {
        **_common(case),
        "title": _("临时救助（急难救助）审批表"),
        "members": _members(case),
        "categories": [categories.get(c, c) for c in case.categories],
        "review": review,
        "home_visit_on": review.home_visit_on,
        "reviewed_at": _local(review.at),
        "reviewer": _who(review.reviewer),
        "requested_words": amount_in_words(review.requested_amount_fen),
        "outcome": explanation.get("outcome_zh") or decision.outcome,
        "lines": lines,
        "parameters": parameters,
        "decision": decision,
        "rules_version": calculator_version_text(decision.calculator_version),
        "approval": approval,
        "approved_fen": approved_fen,
        "approved_words": amount_in_words(int(approved_fen)) if approved_fen is not None else "",
        "approved_at": _local(approval.at) if approval is not None else None,
        "approver": _who(approval.actor) if approval is not None else "",
        "approver_level": case.get_approver_level_display(),
    }


def refusal_context(case: Case) -> dict[str, Any]:
    """The refusal notice: the same words as the page ``cases/workflow/refusal_notice.html``."""
    if case.stage not in REFUSED_STAGES:
        raise Conflict(_("该事项未被不予受理或不予救助，没有告知书可打印"), code="not_printable")
    denied = case.stage == Stage.DENIED
    return {
        **_common(case),
        "title": _("不予救助告知书") if denied else _("不予受理告知书"),
        "decision": _("不予救助") if denied else _("不予受理"),
        "decided_on": timezone.localtime(case.stage_changed_at or case.updated_at).date(),
    }


def receipt_context(case: Case) -> dict[str, Any]:
    """One receipt per fast-track payment, each on its own page."""
    aid = list(CaseAid.objects.filter(case=case, fast_track=True).select_related("given_by").order_by("given_at", "id"))
    if not aid:
        raise Conflict(_("该事项没有先行救助记录，没有回执可打印"), code="not_printable")
    common = _common(case)
    return {
        **common,
        "title": _("先行救助回执"),
        "receipts": [{"aid": a, "words": amount_in_words(a.amount_fen), "method": AidMethod(a.method).label,
                      "given_on": timezone.localtime(a.given_at).date(), "given_by": _who(a.given_by),
                      "payee": common["applicant"]["name"]} for a in aid],
    }


CONTEXTS = {APPROVAL: approval_context, REFUSAL: refusal_context, RECEIPT: receipt_context}


def render_html(case: Case, form: str) -> str:
    """The form as a self-contained HTML document (inline CSS, no URL), always in Chinese: it is
    the paper handed to the applicant and kept in the file."""
    if form not in CONTEXTS:
        raise NotFound(_("未知的表单"), code="not_found")
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(f"cases/print/{form}.html", {**CONTEXTS[form](case), "font_family": FONT_FAMILY})


# --- HTML → PDF ------------------------------------------------------------------------------------------


def _no_network() -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class NoNetwork(URLFetcher):
        """The forms are self-contained: any URL in one is a mistake, and nothing is fetched."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise FatalURLFetchingError(f"printed forms fetch nothing: {url}")

    return NoNetwork()


def embedded_fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts embedded in a PDF, without their subset prefix."""
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.lstrip("/").split("+", 1)[-1])
    return names


def html_to_pdf(html: str) -> bytes:
    """Render with WeasyPrint; refuse a PDF drawn without the CJK font (it would show empty boxes)."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    try:
        pdf: bytes = weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_network()).write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException: it would take the worker down with it
        raise PrintError(str(exc)) from None
    compact = FONT_FAMILY.replace(" ", "")
    if not any(compact in name.replace("-", "") for name in embedded_fonts(pdf)):
        raise PrintError(_("PDF 缺少中文字体 %(font)s（Debian 软件包 fonts-wqy-zenhei），请运行 "
                           "./.ci/system-deps fonts 安装") % {"font": FONT_FAMILY})
    return pdf


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    seconds: float


def render_pdf(case: Case, form: str) -> Rendered:
    started = time.perf_counter()
    pdf = html_to_pdf(render_html(case, form))
    return Rendered(pdf, time.perf_counter() - started)
