"""Writes of the deadline engine: start, pause, resume, extend, cancel, meet; the breach sweep and
the recomputation after a calendar change.

Every change runs in one transaction that locks the row, writes its audit event and its outbox
message. A refused action raises a DomainError (a stale version: Conflict, 409) and changes
nothing. ``deadline_start`` and ``deadline_meet`` are called by the services of the apps that own
the subjects (a case accepted, a task done), which have already decided that their actor may do
that; pause, resume, extend and cancel check ``deadlines.manage`` in the deadline's region unless
the caller passes ``authorised=True`` (an objection recorded by the cases app pauses the approval
deadline). ``actor=None`` is the system.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jijinan.core.audit_hook import record_audit, record_audit_many
from jijinan.core.calendar.workdays import (
    MAX_COUNT,
    CalendarSnapshot,
    DeadlineUnit,
    calendar_snapshot,
    on_calendar_change,
)
from jijinan.core.deadlines.kinds import deadline_kind
from jijinan.core.deadlines.models import Deadline, DeadlineStatus
from jijinan.core.deadlines.rules import (
    DeadlineClock,
    as_start,
    check_count,
    check_parameters,
    check_reason,
    check_unit,
    due_in_years,
)
from jijinan.core.errors import Conflict, DomainError, NotFound
from jijinan.core.jobs.outbox import outbox_message, outbox_write, outbox_write_many
from jijinan.core.jobs.queue import job, job_enqueue, periodic
from jijinan.core.permissions import Target, require

logger = logging.getLogger(__name__)

SUBJECT_TYPE = "core.deadline"  # how audit events and outbox messages name a deadline
MANAGE = "deadlines.manage"
SWEEP_BATCH = 500
RECOMPUTE_BATCH = 500
_REGION_CODE = re.compile(r"^\d{12}$")
_SUBJECT_TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def _now() -> datetime:
    """The current time (a seam for tests that pin the clock)."""
    return timezone.now()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _payload(d: Deadline, **extra: Any) -> dict[str, Any]:
    """The body every deadline event carries; ``version`` orders the events of one deadline."""
    return {
        "deadline_id": d.pk, "kind": d.kind, "subject_type": d.subject_type,
        "subject_id": d.subject_id, "region_code": d.region_code,
        "owner_user_id": d.owner_user_id, "owner_organisation_id": d.owner_organisation_id,
        "unit": d.unit, "limit": d.limit, "due_at": _iso(d.due_at), "provisional": d.provisional,
        "status": str(d.status), "version": d.version, **extra,
    }


def _emit(d: Deadline, event: str, *, actor: Any, action: str, changes: dict[str, Any] | None = None,
          note: str = "", **extra: Any) -> None:
    record_audit(actor=actor, action=action, subject=d, region_code=d.region_code,
                 changes=changes, note=note)
    outbox_write(type=f"deadline.{event}", subject_type=SUBJECT_TYPE, subject_id=str(d.pk),
                 payload=_payload(d, **extra))


def _locked(deadline: Deadline, version: int | None) -> Deadline:
    """The row, locked for this transaction; a stale ``version`` is refused."""
    current = Deadline.objects.select_for_update().filter(pk=deadline.pk).first()
    if current is None:
        raise NotFound(_("该期限已不存在"), code="not_found")
    if version is not None and current.version != version:
        raise Conflict(_("该期限已被他人修改，请刷新后重试"), code="stale_version",
                       field_errors={"version": [_("版本已过期")]})
    return current


def _check_allowed(actor: Any, deadline: Deadline, authorised: bool) -> None:
    if actor is not None and not authorised:
        require(actor, MANAGE, Target(region_prefix=deadline.region_code))


def _check_version(version: object) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        raise DomainError.for_field("version", _("须给出版本号"), code="deadline_bad_version")
    return version


def _apply(d: Deadline, clock: DeadlineClock, snapshot: CalendarSnapshot) -> dict[str, Any]:
    """Put ``clock`` and the due time it gives on ``d``; returns the fields that changed."""
    due = clock.due(snapshot)
    watched = ("due_at", "provisional", "unconfirmed_years", "paused_at")
    before = {k: getattr(d, k) for k in watched}
    d.counted_from, d.counted_units = clock.counted_from, clock.counted_units
    d.paused_seconds, d.paused_at = clock.paused_seconds, clock.paused_at
    d.due_at, d.provisional = due.due_at, due.provisional
    d.unconfirmed_years = list(due.unconfirmed_years)
    after = {k: getattr(d, k) for k in watched}
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


CLOCK_FIELDS = ["counted_from", "counted_units", "paused_seconds", "paused_at", "due_at",
                "provisional", "unconfirmed_years"]


def _refuse_unless(d: Deadline, *allowed: str, action: str) -> None:
    status = d.status
    if status in allowed:
        return
    messages = {
        DeadlineStatus.CANCELLED: _("该期限已取消，不能%(action)s"),
        DeadlineStatus.MET: _("该期限已完成，不能%(action)s"),
        DeadlineStatus.PAUSED: _("该期限已暂停，不能%(action)s"),
        DeadlineStatus.BREACHED: _("该期限已超期，不能%(action)s"),
        DeadlineStatus.OPEN: _("该期限未暂停，不能%(action)s"),
    }
    raise DomainError(messages[DeadlineStatus(status)] % {"action": action},
                      code=f"deadline_{status}", field_errors={"status": [str(d.get_status_display())]})


def _refuse_if_run_out(d: Deadline, now: datetime, *, action: str) -> None:
    """After ``due_at`` the deadline is breached, whether or not the sweep has marked it yet."""
    if d.paused_at is None and d.due_at <= now:
        raise DomainError(_("该期限已到期，不能%(action)s") % {"action": action},
                          code="deadline_run_out", field_errors={"due_at": [_("已到期")]})


def _record_late_breach(d: Deadline, *, actor: Any, now: datetime) -> None:
    """Met or cancelled after running out before the sweep noticed: record the breach too, once."""
    if d.breached_at is None and d.paused_at is None and d.due_at <= now:
        d.breached_at = d.due_at
        d.save(update_fields=["breached_at"])
        _emit(d, "breached", actor=actor, action="deadlines.breach",
              changes={"breached_at": (None, d.breached_at)})


# --- start -------------------------------------------------------------------------------------


def _new_deadline(*, subject_type: str, subject_id: str | int, region_code: str, kind: str,
                  start: date | datetime, limit: int, unit: str | None, owner_user: Any,
                  owner_organisation: Any, parameters: dict[str, Any] | None,
                  snapshot: CalendarSnapshot) -> Deadline:
    """A deadline checked and computed, not saved yet (see ``deadline_start``)."""
    errors: dict[str, list[str]] = {}
    registered = deadline_kind(kind) if isinstance(kind, str) else None
    if registered is None:
        errors["kind"] = [_("期限类型 %(kind)s 未登记") % {"kind": kind}]
    subject_type = subject_type.strip() if isinstance(subject_type, str) else ""
    if not _SUBJECT_TYPE.match(subject_type) or len(subject_type) > 100:
        errors["subject_type"] = [_("对象类型应为“应用.模型”，如 cases.case")]
    elif registered is not None and registered.subject_types \
            and subject_type not in registered.subject_types:
        errors["subject_type"] = [_("该期限类型不适用于此类对象")]
    subject_id = str(subject_id).strip()
    if not subject_id or len(subject_id) > 64:
        errors["subject_id"] = [_("对象编号不能为空，且不超过 64 个字符")]
    if not isinstance(region_code, str) or not _REGION_CODE.match(region_code):
        errors["region_code"] = [_("区划代码应为 12 位数字")]
    if owner_user is None and owner_organisation is None:
        errors["owner_user"] = [_("期限须有负责人或负责机构")]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors,
                          code="deadline_invalid")
    assert registered is not None
    unit = check_unit(unit if unit is not None else registered.default_unit)
    limit = check_count(limit, unit=unit, field="limit")
    started_at = as_start(start)
    stored_parameters = check_parameters(parameters)
    clock = DeadlineClock(unit=unit, counted_from=started_at, counted_units=limit)
    d = Deadline(subject_type=subject_type, subject_id=subject_id, kind=kind,
                 region_code=region_code, owner_user=owner_user,
                 owner_organisation=owner_organisation, started_at=started_at, unit=unit,
                 limit=limit, parameters=stored_parameters, created_at=_now())
    _apply(d, clock, snapshot)
    return d


def _started(d: Deadline) -> dict[str, Any]:
    """The audit event's changes and the outbox payload's extras of a started deadline."""
    return {"changes": {"due_at": (None, d.due_at), "limit": (None, d.limit), "unit": (None, d.unit),
                        "provisional": (None, d.provisional)},
            "extra": {"started_at": _iso(d.started_at), "parameters": d.parameters}}


def deadline_start(*, actor: Any, subject_type: str, subject_id: str | int, region_code: str,
                   kind: str, start: date | datetime, limit: int, unit: str | None = None,
                   owner_user: Any = None, owner_organisation: Any = None,
                   parameters: dict[str, Any] | None = None) -> Deadline:
    """Start a deadline of a registered ``kind`` on a subject; ``unit`` defaults to the kind's.

    ``limit`` and ``parameters`` (the policy parameter versions used) come from the caller's
    policy parameters. The due time is computed over the working-day calendar now.
    """
    d = _new_deadline(subject_type=subject_type, subject_id=subject_id, region_code=region_code, kind=kind,
                      start=start, limit=limit, unit=unit, owner_user=owner_user,
                      owner_organisation=owner_organisation, parameters=parameters,
                      snapshot=calendar_snapshot())
    with transaction.atomic():
        d.save()
        started = _started(d)
        _emit(d, "started", actor=actor, action="deadlines.start", changes=started["changes"],
              **started["extra"])
    return d


@dataclass(frozen=True)
class DeadlineStart:
    """One deadline of a batch for ``deadline_start_many`` (the arguments of ``deadline_start``)."""

    subject_type: str
    subject_id: str | int
    region_code: str
    kind: str
    start: date | datetime
    limit: int
    unit: str | None = None
    owner_user: Any = None
    owner_organisation: Any = None
    parameters: dict[str, Any] | None = None
    subject_label: str = ""  # how the audit names the subject (saves reading it back)


def deadline_start_many(*, actor: Any, starts: list[DeadlineStart]) -> list[Deadline]:
    """Start a batch of deadlines as ``deadline_start`` would each (a sweep's), in the caller's
    transaction: the rows, their audit events and their ``deadline.started`` messages are each
    written with one INSERT for the whole batch. Any invalid one refuses the batch."""
    snapshot = calendar_snapshot()
    made = [_new_deadline(subject_type=s.subject_type, subject_id=s.subject_id, region_code=s.region_code,
                          kind=s.kind, start=s.start, limit=s.limit, unit=s.unit, owner_user=s.owner_user,
                          owner_organisation=s.owner_organisation, parameters=s.parameters, snapshot=snapshot)
            for s in starts]
    if not made:
        return made
    with transaction.atomic():
        Deadline.objects.bulk_create(made)
        events, messages = [], []
        for d, s in zip(made, starts, strict=True):
            started = _started(d)
            events.append({"actor": actor, "action": "deadlines.start", "subject": d, "region_code": d.region_code,
                           "subject_label": s.subject_label or f"{d.kind} {d.subject_id}",
                           "changes": started["changes"], "note": ""})
            messages.append(outbox_message(type="deadline.started", subject_type=SUBJECT_TYPE,
                                           subject_id=str(d.pk), payload=_payload(d, **started["extra"])))
        record_audit_many(events)
        outbox_write_many(messages)
    return made


# --- pause, resume, extend, cancel, meet -------------------------------------------------------


def deadline_pause(*, actor: Any, deadline: Deadline, version: int, reason: str,
                   authorised: bool = False) -> Deadline:
    """Stop the clock (an objection, waiting on the applicant); ``reason`` is required."""
    version = _check_version(version)
    reason = check_reason(reason)
    _check_allowed(actor, deadline, authorised)
    now = _now()
    with transaction.atomic():
        d = _locked(deadline, version)
        _refuse_unless(d, DeadlineStatus.OPEN, action=pgettext("deadline action", "暂停"))
        _refuse_if_run_out(d, now, action=pgettext("deadline action", "暂停"))
        changes = _apply(d, DeadlineClock.of(d).paused(now), calendar_snapshot())
        d.pause_reason = reason
        d.version += 1
        d.save(update_fields=[*CLOCK_FIELDS, "pause_reason", "version"])
        _emit(d, "paused", actor=actor, action="deadlines.pause", changes=changes, note=reason,
              reason=reason, paused_at=_iso(now))
    return d


def deadline_resume(*, actor: Any, deadline: Deadline, version: int, authorised: bool = False
                    ) -> Deadline:
    """Start the clock again; ``due_at`` moves as the module ``deadlines`` says."""
    version = _check_version(version)
    _check_allowed(actor, deadline, authorised)
    now = _now()
    with transaction.atomic():
        d = _locked(deadline, version)
        _refuse_unless(d, DeadlineStatus.PAUSED, action=pgettext("deadline action", "恢复计时"))
        snapshot = calendar_snapshot()
        changes = _apply(d, DeadlineClock.of(d).resumed(now, snapshot), snapshot)
        d.pause_reason = ""
        d.version += 1
        d.save(update_fields=[*CLOCK_FIELDS, "pause_reason", "version"])
        _emit(d, "resumed", actor=actor, action="deadlines.resume", changes=changes,
              paused_seconds=d.paused_seconds)
    return d


def deadline_extend(*, actor: Any, deadline: Deadline, version: int, extra: int, reason: str,
                    authorised: bool = False) -> Deadline:
    """Give ``extra`` more units (of the deadline's own unit), with a written reason."""
    version = _check_version(version)
    extra = check_count(extra, unit=deadline.unit, field="extra", minimum=1)
    reason = check_reason(reason)
    _check_allowed(actor, deadline, authorised)
    now = _now()
    with transaction.atomic():
        d = _locked(deadline, version)
        _refuse_unless(d, DeadlineStatus.OPEN, DeadlineStatus.PAUSED, action=pgettext("deadline action", "延期"))
        _refuse_if_run_out(d, now, action=pgettext("deadline action", "延期"))
        if d.counted_units + extra > MAX_COUNT[d.unit]:
            raise DomainError.for_field(
                "extra", _("延期后的期限不能超过 %(n)s %(unit)s")
                % {"n": MAX_COUNT[d.unit], "unit": DeadlineUnit(d.unit).label},
                code="deadline_bad_count")
        changes = _apply(d, DeadlineClock.of(d).extended(extra), calendar_snapshot())
        d.extensions = [*d.extensions, {
            "by": getattr(actor, "pk", None), "by_name": _actor_name(actor), "reason": reason,
            "extra": extra, "at": now.isoformat()}]
        d.version += 1
        d.save(update_fields=[*CLOCK_FIELDS, "extensions", "version"])
        _emit(d, "extended", actor=actor, action="deadlines.extend", changes=changes, note=reason,
              extra=extra, reason=reason)
    return d


def _actor_name(actor: Any) -> str:
    if actor is None:
        return ""
    name = actor.display_name() if hasattr(actor, "display_name") else actor.get_username()
    return str(name)[:150]


def deadline_cancel(*, actor: Any, deadline: Deadline, version: int, reason: str,
                    authorised: bool = False) -> Deadline:
    """The work is no longer owed (the case was withdrawn, the task recalled); a breach stays."""
    version = _check_version(version)
    reason = check_reason(reason)
    _check_allowed(actor, deadline, authorised)
    now = _now()
    with transaction.atomic():
        d = _locked(deadline, version)
        _refuse_unless(d, DeadlineStatus.OPEN, DeadlineStatus.PAUSED, DeadlineStatus.BREACHED,
                       action=pgettext("deadline action", "取消"))
        _record_late_breach(d, actor=actor, now=now)
        changes = _apply(d, DeadlineClock.of(d).settled(now), calendar_snapshot())
        d.cancelled_at, d.cancel_reason = now, reason
        d.version += 1
        d.save(update_fields=[*CLOCK_FIELDS, "cancelled_at", "cancel_reason", "version"])
        _emit(d, "cancelled", actor=actor, action="deadlines.cancel", note=reason,
              changes={**changes, "cancelled_at": (None, now)}, reason=reason)
    return d


def deadline_meet(*, actor: Any, deadline: Deadline) -> Deadline:
    """The work is done: called by the service that did it. Late work records the breach too."""
    now = _now()
    with transaction.atomic():
        d = _locked(deadline, None)
        _refuse_unless(d, DeadlineStatus.OPEN, DeadlineStatus.PAUSED, DeadlineStatus.BREACHED,
                       action=pgettext("deadline action", "标记为完成"))
        _record_late_breach(d, actor=actor, now=now)
        changes = _apply(d, DeadlineClock.of(d).settled(now), calendar_snapshot())
        d.met_at = now
        d.version += 1
        d.save(update_fields=[*CLOCK_FIELDS, "met_at", "version"])
        _emit(d, "met", actor=actor, action="deadlines.meet",
              changes={**changes, "met_at": (None, now)}, met_at=_iso(now),
              late=d.breached_at is not None)
    return d


# --- the breach sweep --------------------------------------------------------------------------


def _running_and_run_out(now: datetime) -> Q:
    return Q(breached_at__isnull=True, met_at__isnull=True, cancelled_at__isnull=True,
             paused_at__isnull=True, due_at__lt=now)


def deadline_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Mark every running deadline whose time ran out as breached, exactly once; returns how many.

    Each mark is a conditional UPDATE (``breached_at IS NULL`` …) that only one of several
    workers sweeping at once can win; the winner writes the audit event and the one
    ``deadline.breached`` message in the same transaction. On PostgreSQL the candidate rows are
    also locked with SKIP LOCKED, so two workers split the work instead of queueing.
    """
    now = now or _now()
    marked = 0
    while True:
        with transaction.atomic():
            candidates = _sweep_candidates(now, batch)
            for d in candidates:
                won = Deadline.objects.filter(_running_and_run_out(now), pk=d.pk).update(
                    breached_at=F("due_at"), version=F("version") + 1)
                if not won:
                    continue  # another worker, or a meet or cancel, got there first
                d.breached_at, d.version = d.due_at, d.version + 1
                _emit(d, "breached", actor=None, action="deadlines.breach",
                      changes={"breached_at": (None, d.breached_at)}, breached_at=_iso(d.due_at))
                marked += 1
        if len(candidates) < batch:
            return marked


def _sweep_candidates(now: datetime, batch: int) -> list[Deadline]:
    return list(Deadline.objects.select_for_update(skip_locked=True)
                .filter(_running_and_run_out(now)).order_by("due_at", "id")[:batch])


@periodic("core.deadline_sweep", every=timedelta(seconds=30))
def deadline_sweep_job(payload: dict[str, Any]) -> None:
    deadline_sweep()


# --- recomputation after a calendar change -----------------------------------------------------


def _touching(years: Iterable[int]) -> Q:
    """Working-day deadlines still counting whose counted days overlap one of ``years``."""
    overlap = Q(pk__in=[])
    for first, after in due_in_years(frozenset(years)):
        overlap |= Q(counted_from__lt=after, due_at__gte=first)
    return Q(unit=DeadlineUnit.WORKING_DAYS, breached_at__isnull=True, met_at__isnull=True,
             cancelled_at__isnull=True) & overlap


def deadline_recompute(*, years: Iterable[int], batch: int = RECOMPUTE_BATCH) -> int:
    """Recompute the working-day deadlines that count through ``years`` with today's calendar.

    Each deadline whose due time or provisional mark changes gets its own audit event (so its
    history says why it moved) and a ``deadline.recomputed`` message; returns how many changed.
    """
    years = frozenset(years)
    if not years:
        return 0
    snapshot = calendar_snapshot()
    changed = 0
    last_id = 0
    while True:
        ids = list(Deadline.objects.filter(_touching(years), pk__gt=last_id).order_by("pk")
                   .values_list("pk", flat=True)[:batch])
        if not ids:
            return changed
        last_id = ids[-1]
        with transaction.atomic():
            for d in Deadline.objects.select_for_update().filter(_touching(years), pk__in=ids):
                changes = _apply(d, DeadlineClock.of(d), snapshot)
                if not changes:
                    continue
                d.version += 1
                d.save(update_fields=[*CLOCK_FIELDS, "version"])
                _emit(d, "recomputed", actor=None, action="deadlines.recompute", changes=changes,
                      note=_("工作日历变更（%(years)s 年）") % {
                          "years": "、".join(str(y) for y in sorted(years))},
                      years=sorted(years))
                changed += 1


@job("core.deadline_recompute")
def deadline_recompute_job(payload: dict[str, Any]) -> None:
    deadline_recompute(years=[int(y) for y in payload.get("years", [])])


def deadline_calendar_changed(years: frozenset[int]) -> None:
    """Runs after a calendar change commits: the worker recomputes (retried if it fails)."""
    job_enqueue("core.deadline_recompute", {"years": sorted(years)})


def calendar_watch_install() -> None:
    """Called from the core app's ``ready()``."""
    on_calendar_change(deadline_calendar_changed)
