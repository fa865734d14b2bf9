"""What the case page says first: who asked, for whom, where the case stands, the next deadline and
who owns it, the money asked, approved and paid, and its flags. Apps above cases add flags of
their own (a deflection warning on a task) with ``register_case_flags``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.cases.choices import PaymentStatus, SubjectKind, Urgency
from jijinan.cases.models import AidPayment, Case, CaseAid
from jijinan.core.extensions.panels import due_note
from jijinan.core.models import Deadline

BAD, WARN, INFO = "bad", "warn", "info"


@dataclass(frozen=True)
class CaseFlag:
    code: str
    text: str
    tone: str = WARN  # BAD, WARN or INFO: the badge's colour


@dataclass(frozen=True)
class NextDeadline:
    label: str
    due_at: datetime
    when: str  # "已超期 2 天", "今天 17:00 到期" …
    state: str
    owner: str  # the person or the office that answers for it


@dataclass(frozen=True)
class CaseSummary:
    applicant: str
    subject: str
    next_deadline: NextDeadline | None
    requested_fen: int | None
    approved_fen: int | None
    paid_fen: int
    flags: tuple[CaseFlag, ...]


_flag_sources: dict[str, Callable[[Case], list[CaseFlag]]] = {}


def register_case_flags(code: str, source: Callable[[Case], list[CaseFlag]]) -> None:
    """Add the flags an app knows of a case (read in one query, without the user: the page has
    already checked that the user may see the case)."""
    _flag_sources[code] = source


def _own_flags(case: Case) -> list[CaseFlag]:
    flags = []
    if case.crisis:
        flags.append(CaseFlag("crisis", _("危机个案"), BAD))
    if case.urgency != Urgency.NORMAL:
        flags.append(CaseFlag("urgency", str(case.get_urgency_display()), BAD if case.urgency == Urgency.CRITICAL
                              else WARN))
    if case.paperwork_owed:
        flags.append(CaseFlag("paperwork_owed", _("先行救助，待补办手续"), WARN))
    elif case.fast_tracked:
        flags.append(CaseFlag("fast_tracked", _("先行救助"), INFO))
    if case.close_relative:
        flags.append(CaseFlag("close_relative", _("近亲属备案对象"), WARN))
    if case.needs_consultation:
        flags.append(CaseFlag("consultation", _("需报告协商"), WARN))
    if case.subject_kind == SubjectKind.UNIDENTIFIED and case.person_id is None:
        flags.append(CaseFlag("unidentified", _("对象身份不明"), WARN))
    return flags


def _next_deadline(case: Case, deadlines: list[Deadline], now: datetime) -> NextDeadline | None:
    running = [d for d in deadlines if d.met_at is None and d.cancelled_at is None and d.paused_at is None]
    if not running:
        return None
    first = min(running, key=lambda d: (d.due_at, d.pk))
    when, state = due_note(first.due_at, now=now)
    owner = first.owner_user or case.owner
    if owner is not None:
        name = str(getattr(owner, "full_name", "") or owner.get_username())
    else:
        name = first.owner_organisation.name if first.owner_organisation_id and first.owner_organisation else ""
    return NextDeadline(label=first.kind_label, due_at=first.due_at, when=when, state=state,
                        owner=name or _("未分配"))


def case_summary(*, case: Case, deadlines: list[Deadline], aid: list[CaseAid] | None = None,
                 now: datetime | None = None) -> CaseSummary:
    """The summary of a case the user may see; ``deadlines``: the case's, as the page read them;
    ``aid``: its aid records with their payments when the page read them (else they are counted)."""
    now = now or timezone.now()
    if aid is not None:
        paid = sum(p.amount_fen for a in aid for p in a.payments.all() if p.status == PaymentStatus.PAID)
    else:
        paid = AidPayment.objects.filter(aid__case=case, status=PaymentStatus.PAID).aggregate(
            total=Sum("amount_fen"))["total"] or 0
    applicant = case.reporter_name or ""
    if applicant and case.reporter_relation:
        applicant = _("%(name)s（%(relation)s）") % {"name": applicant, "relation": case.reporter_relation}
    elif not applicant and case.person is not None:  # nobody reported for them: the person asked
        applicant = _("%(name)s（%(relation)s）") % {"name": case.person.name, "relation": _("本人")}
    subject = case.person.name if case.person is not None else (case.subject_name or "")
    flags = _own_flags(case)
    for source in _flag_sources.values():
        flags.extend(source(case))
    return CaseSummary(applicant=applicant or "—", subject=subject or _("身份不明"),
                       next_deadline=_next_deadline(case, deadlines, now),
                       requested_fen=case.requested_amount_fen, approved_fen=case.decided_amount_fen,
                       paid_fen=paid, flags=tuple(flags))
