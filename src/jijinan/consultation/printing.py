"""The consultation's minutes and decision (会商纪要及决定) as a PDF, made like the case's printed
forms: a self-contained HTML page in Chinese, drawn by WeasyPrint with the CJK font, fetching
nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jijinan.cases.printing.render import FONT_FAMILY, amount_in_words, html_to_pdf
from jijinan.consultation import selectors
from jijinan.consultation.choices import FundingSource
from jijinan.consultation.models import Escalation
from jijinan.core.errors import Conflict

# What the PDF shows that the access log names when it is downloaded.
FIELDS = ["facts", "opinions", "minutes", "decision"]


def print_context(escalation: Escalation) -> dict[str, Any]:
    consultation = selectors.consultation_of(escalation)
    if consultation is None:
        raise Conflict(_("尚未召集会商，没有会商纪要可打印"), code="not_printable")
    decision = getattr(consultation, "decision", None)
    sources = dict(FundingSource.choices)
    return {
        "title": _("救急难事项会商纪要及决定"), "escalation": escalation, "case": escalation.case,
        "consultation": consultation, "opinions": selectors.opinion_rows(consultation),
        "meetings": list(consultation.meetings.all()), "decision": decision,
        "funding": [{**f, "label": sources.get(f.get("source"), f.get("source"))}
                    for f in (decision.funding if decision else [])],
        "duties": selectors.duty_rows(escalation),
        "amount_words": amount_in_words(decision.case_by_case_amount_fen) if decision else "",
        "printed_at": timezone.now(), "font_family": FONT_FAMILY,
    }


def render_html(escalation: Escalation) -> str:
    """Always in Chinese: the paper kept in the file."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("consultation/print/minutes.html", print_context(escalation))


def render_pdf(escalation: Escalation) -> bytes:
    return html_to_pdf(render_html(escalation))
