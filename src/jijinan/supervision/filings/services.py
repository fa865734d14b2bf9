"""The filing (备案) of township approvals, written: every approval a township makes under its
delegated ceiling is filed with its county; the county draws a random sample for spot checks and
records each sampled filing's finding.

A filing is made by the outbox handler of the case's approval (``cases.case.stage_changed`` with
the ``approve`` or ``makeup_approve`` transition), at least once and so possibly twice: one case
has one filing, a second delivery finds it and leaves it. An approval counts as the township's
when the case was at the township's approver level and the approver held no county authority
over it (a county approver deciding a case within the ceiling is no delegated approval).

A draw takes the filings of a county and a period not drawn yet, the share (percent) given or the
parameter ``case_handling.filing_sample_rate`` in force, rounded up and at least one filing, and
picks them with a random generator seeded from ``secrets``; the seed is kept, so the draw can be
repeated and shown to have been random.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.audit.services import audit_record
from jijinan.cases.choices import ApproverLevel
from jijinan.cases.models import Case, CaseEvent
from jijinan.cases.workflow.transitions import APPROVE_COUNTY
from jijinan.core.calendar.workdays import SHANGHAI
from jijinan.core.errors import Conflict, DomainError
from jijinan.core.permissions import Target, can, require
from jijinan.policy.lookup import value_or_none
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.supervision.choices import CheckFinding, FilingStatus
from jijinan.supervision.filings.errors import FilingErrorCode as E
from jijinan.supervision.filings.permissions import FILING_CHECK, FILING_DRAW
from jijinan.supervision.models import ApprovalFiling, SpotCheckDraw

APPROVALS = frozenset({"approve", "makeup_approve"})
SAMPLE_RATE = "case_handling.filing_sample_rate"
FALLBACK_RATE = Decimal(10)  # POLICY.md §10, used only where no value is in force
NOTE_MAX = 2000


def ancestor_at(region: Region, level: str) -> Region | None:
    """The region itself or its first ancestor at ``level`` (a township's county, a village's township)."""
    found: Region | None = region
    while found is not None and found.level != level:
        found = found.parent
    return found


def filing_file(*, case_id: int, transition: str) -> ApprovalFiling | None:
    """File the township's approval of the case, once; None when it is no township approval (or
    the case is gone). A filing already there is returned as it is."""
    if transition not in APPROVALS:
        return None
    existing = ApprovalFiling.objects.filter(case_id=case_id).first()
    if existing is not None:
        return existing
    case = Case.objects.select_related("handling_region__parent__parent", "decision").filter(pk=case_id).first()
    if case is None:
        return None
    event = CaseEvent.objects.filter(case=case, kind=f"stage.{transition}").select_related("actor").order_by(
        "-at", "-id").first()
    if event is None:
        return None
    level = (event.data or {}).get("approver_level") or case.approver_level
    approver = event.actor
    township = ancestor_at(case.handling_region, RegionLevel.TOWNSHIP)
    county = ancestor_at(township, RegionLevel.COUNTY) if township is not None else None
    if level != ApproverLevel.TOWNSHIP or township is None or county is None:
        return None
    if approver is not None and can(approver, APPROVE_COUNTY, Target(region_prefix=township.prefix)):
        return None  # decided by the county itself
    amount = (event.data or {}).get("amount_fen")
    amount = int(amount if amount is not None else (case.decided_amount_fen or 0))
    result = case.decision.result if case.decision is not None else {}
    ceiling = result.get("township_ceiling_fen")
    try:
        with transaction.atomic():
            filing = ApprovalFiling.objects.create(
                case=case, township=township, county=county, amount_fen=amount,
                ceiling_fen=int(ceiling) if ceiling is not None else None, approved_by=approver,
                approved_at=event.at, filed_at=timezone.now())
            audit_record(actor=None, action="supervision.filing.file", subject=filing, subject_label=case.number,
                         region_code=township.code, changes={"amount_fen": (None, amount),
                                                             "county": (None, county.code)})
    except IntegrityError:  # filed meanwhile by another delivery of the same approval
        return ApprovalFiling.objects.filter(case_id=case_id).first()
    return filing


# --- the spot checks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawInput:
    county_code: str
    period_from: date | None
    period_to: date | None
    share_percent: Any = None  # None: the parameter in force


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def sample_size(population: int, share_percent: Decimal) -> int:
    """How many filings a draw takes: the share of the population rounded up, at least one."""
    if population <= 0:
        return 0
    return min(population, max(1, math.ceil(Decimal(population) * share_percent / 100)))


def sample_rate(county: Region, at: datetime) -> tuple[Decimal, dict[str, Any]]:
    """The share (percent) in force for the county, with the version used; the fallback where the
    parameter is missing or has no value in force (a draw must not fail for want of it)."""
    try:
        found = value_or_none(SAMPLE_RATE, county.code, at)
    except DomainError:
        found = None
    if found is None:
        return FALLBACK_RATE, {SAMPLE_RATE: None}
    return Decimal(str(found.value)), {SAMPLE_RATE: found.version_id}


def _share(value: Any) -> Decimal:
    try:
        share = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise DomainError.for_field("share_percent", _("抽查比例应为 0 到 100 之间的数"), code=E.SHARE) from None
    if not share.is_finite() or share <= 0 or share > 100:
        raise DomainError.for_field("share_percent", _("抽查比例应大于 0，不超过 100"), code=E.SHARE)
    return share.quantize(Decimal("0.01"))


def filing_draw(*, actor: Any, data: DrawInput) -> SpotCheckDraw:
    """Draw a random sample of a county's filings of a period that were not drawn yet."""
    county = Region.objects.filter(code=(data.county_code or "").strip(), level=RegionLevel.COUNTY).first()
    if county is None:
        raise DomainError.for_field("county", _("请选择县（区）"), code=E.COUNTY)
    require(actor, FILING_DRAW, Target(region_prefix=county.prefix))
    errors: dict[str, list[str]] = {}
    if data.period_from is None:
        errors["period_from"] = [_("请填写备案起始日期")]
    if data.period_to is None:
        errors["period_to"] = [_("请填写备案截止日期")]
    if data.period_from and data.period_to and data.period_from > data.period_to:
        errors["period_to"] = [_("截止日期不能早于起始日期")]
    now = timezone.now()
    share: Decimal | None = None
    parameters: dict[str, Any] = {}
    if data.share_percent in (None, ""):
        share, parameters = sample_rate(county, now)
    else:
        try:
            share = _share(data.share_percent)
        except DomainError as exc:
            errors.update(exc.field_errors)
    if errors:
        raise DomainError(_("抽查条件有误"), code=E.PERIOD, field_errors=errors)
    assert data.period_from is not None and data.period_to is not None and share is not None
    with transaction.atomic():
        pool = ApprovalFiling.objects.select_for_update().filter(
            county=county, status=FilingStatus.FILED, filed_at__gte=day_start(data.period_from),
            filed_at__lt=day_start(data.period_to + timedelta(days=1)))
        pks = sorted(pool.values_list("pk", flat=True))
        if not pks:
            raise DomainError(_("%(county)s 在该期间没有尚未抽查的备案") % {"county": county.name},
                              code=E.NOTHING_TO_DRAW, status=409)
        size = sample_size(len(pks), share)
        seed = secrets.token_hex(16)
        chosen = sorted(random.Random(seed).sample(pks, size))  # noqa: S311  (the seed comes from secrets and is kept)
        draw = SpotCheckDraw.objects.create(
            county=county, period_from=data.period_from, period_to=data.period_to,
            share=(share / 100).quantize(Decimal("0.0001")), seed=seed, population=len(pks), drawn=size,
            drawn_by=actor if getattr(actor, "pk", None) else None, drawn_at=now, parameters=parameters)
        moved = ApprovalFiling.objects.filter(pk__in=chosen, status=FilingStatus.FILED).update(
            status=FilingStatus.SAMPLED, draw=draw, version=F("version") + 1)
        if moved != size:
            raise Conflict(_("备案已被他人同时抽取，请刷新后重试"), code=E.STALE)
        audit_record(actor=actor, action="supervision.filing.draw", subject=draw,
                     subject_label=f"{county.name} {data.period_from}–{data.period_to}", region_code=county.code,
                     note=_("共 %(population)d 件，抽取 %(drawn)d 件（%(share)s%%）") % {
                         "population": len(pks), "drawn": size, "share": share},
                     changes={"seed": (None, seed), "drawn": (None, size), "filings": (None, chosen)})
    return draw


def filing_check(*, actor: Any, filing: ApprovalFiling, version: Any, finding: str, note: str) -> ApprovalFiling:
    """Record the finding of a sampled filing's spot check (a problem needs the note saying what)."""
    require(actor, FILING_CHECK, Target(region_prefix=filing.township.prefix))
    errors: dict[str, list[str]] = {}
    if finding not in CheckFinding.values:
        errors["finding"] = [_("请选择抽查结论")]
    note = (note or "").strip()
    if finding == CheckFinding.PROBLEM and not note:
        errors["note"] = [_("存在问题的，请写明发现的问题")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("不能超过 %(n)d 字") % {"n": NOTE_MAX}]
    try:
        expected = int(version)
    except (TypeError, ValueError):
        errors["version"] = [_("请提供备案的版本号（version）")]
        expected = 0
    if errors:
        raise DomainError(_("抽查结论有误"), code=E.FINDING, field_errors=errors)
    with transaction.atomic():
        locked = ApprovalFiling.objects.select_for_update(of=("self",)).select_related("case", "township").get(
            pk=filing.pk)
        if locked.status != FilingStatus.SAMPLED:
            raise DomainError(_("只有抽中的备案才能登记抽查结论（当前：%(status)s）") % {
                "status": locked.get_status_display()}, code=E.NOT_SAMPLED, status=409)
        if locked.version != expected:
            stale = _("该备案已有变化（当前版本 %(current)s，您提交的是 %(given)s），请刷新后重试") % {
                "current": locked.version, "given": expected}
            raise Conflict(stale, code=E.STALE, field_errors={"version": [stale]})
        locked.status = FilingStatus.CHECKED
        locked.finding = finding
        locked.check_note = note
        locked.checked_by = actor if getattr(actor, "pk", None) else None
        locked.checked_at = timezone.now()
        locked.version += 1
        locked.save()
        audit_record(actor=actor, action="supervision.filing.check", subject=locked, subject_label=locked.case.number,
                     region_code=locked.township.code, note=note[:300],
                     changes={"status": (FilingStatus.SAMPLED, FilingStatus.CHECKED), "finding": ("", finding)})
    return locked
