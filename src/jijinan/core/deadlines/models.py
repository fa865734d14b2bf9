"""The one table of deadlines, for every subject of every app; the rules are in the rest of this folder."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.core.deadlines import kinds
from jijinan.core.extensions.subjects import SubjectLabel, subject_labels

# One generic table for every deadline (cases, tasks, orders, visits): the supervision board
# reads only this. The rules live beside it: kinds.py (the registry), rules.py (the clock) and
# services.py.


class DeadlineStatus(models.TextChoices):
    """Derived from the timestamps, never stored: see ``Deadline.status``."""

    OPEN = "open", _("进行中")
    PAUSED = "paused", _("已暂停")
    BREACHED = "breached", _("已超期")
    MET = "met", _("已完成")
    CANCELLED = "cancelled", _("已取消")


# A tuple, as migration 0004 recorded the unit constraint.
DEADLINE_UNITS = tuple(DeadlineUnit.values)


class Deadline(models.Model):
    """A limit on one piece of work: when it started, when it runs out, and what became of it.

    ``due_at`` is always ``counted_units`` units counted from ``counted_from`` over the working-day
    calendar (plus ``paused_seconds`` for hours and calendar days): the engine recomputes it from
    these when the calendar changes. ``breached_at`` is the instant the limit ran out (its
    ``due_at``), stamped once by whoever notices first: the sweep, or a late meet or cancel.
    ``breached_at`` and ``met_at`` may both be set (met late).
    """

    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象编号"), max_length=64)
    kind = models.CharField(_("期限类型"), max_length=60)
    region_code = models.CharField(_("所属区划代码"), max_length=12, db_index=True,
                                   help_text=_("对象所在区划，决定谁能看到该期限"))
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    owner_organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("负责机构"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    started_at = models.DateTimeField(_("起算时间"))
    unit = models.CharField(_("单位"), max_length=15)
    limit = models.PositiveIntegerField(_("期限"))
    due_at = models.DateTimeField(_("到期时间"))
    provisional = models.BooleanField(_("暂定"), default=False,
                                      help_text=_("计算涉及尚未确认放假安排的年度"))
    unconfirmed_years = models.JSONField(_("未确认年度"), default=list, blank=True)
    counted_from = models.DateTimeField(_("计算起点"),
                                        help_text=_("起算时间，或工作日期限最近一次恢复计时的时间"))
    counted_units = models.PositiveIntegerField(_("计算单位数"))
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    pause_reason = models.CharField(_("暂停原因"), max_length=500, blank=True)
    paused_seconds = models.PositiveBigIntegerField(_("累计暂停秒数"), default=0)
    extensions = models.JSONField(_("延期记录"), default=list, blank=True)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=500, blank=True)
    parameters = models.JSONField(_("所用政策参数"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="core_deadline_subject_idx"),
            # The sweep's work list: only deadlines still running.
            models.Index(fields=["due_at"], name="core_deadline_running_idx",
                         condition=models.Q(breached_at__isnull=True, met_at__isnull=True,
                                            cancelled_at__isnull=True, paused_at__isnull=True)),
            # The supervision board: the deadlines still owed in a region subtree (a LIKE 'prefix%'
            # on PostgreSQL needs the pattern operator class), with what it counts by in the index
            # itself, so a province's counts are read from the index alone.
            models.Index(fields=["region_code", "due_at"], name="core_deadline_owed_idx",
                         opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                         include=["breached_at", "paused_at", "kind", "unit", "owner_user", "owner_organisation"],
                         condition=models.Q(met_at__isnull=True, cancelled_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(unit__in=DEADLINE_UNITS),
                                   name="core_deadline_unit_valid"),
            models.CheckConstraint(
                condition=models.Q(met_at__isnull=True) | models.Q(cancelled_at__isnull=True),
                name="core_deadline_met_or_cancelled"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.subject_label.text}"

    @property
    def status(self) -> str:
        if self.cancelled_at is not None:
            return DeadlineStatus.CANCELLED
        if self.met_at is not None:
            return DeadlineStatus.MET
        if self.paused_at is not None:
            return DeadlineStatus.PAUSED
        if self.breached_at is not None:
            return DeadlineStatus.BREACHED
        return DeadlineStatus.OPEN

    def get_status_display(self) -> str:
        return str(DeadlineStatus(self.status).label)

    def get_unit_display(self) -> str:
        return str(DeadlineUnit(self.unit).label)

    @property
    def kind_label(self) -> str:
        return kinds.kind_label(self.kind)

    @property
    def subject_label(self) -> SubjectLabel:
        """The subject as its app names it, with the link to its page (see ``label_subjects``)."""
        found: SubjectLabel | None = getattr(self, "_subject_label", None)
        if found is None:
            found = subject_labels([(self.subject_type, self.subject_id)])[(self.subject_type, self.subject_id)]
            self._subject_label = found
        return found

    @property
    def subject_url(self) -> str:
        return self.subject_label.url or kinds.subject_url(self.kind, self.subject_id)

    @property
    def run_out(self) -> bool:
        """Still running and past its time, before the sweep has marked it breached."""
        return self.status == DeadlineStatus.OPEN and self.due_at < timezone.now()

    @property
    def met_late(self) -> bool:
        return self.met_at is not None and self.breached_at is not None


def label_subjects(deadlines: list[Deadline]) -> list[Deadline]:
    """Read the subjects' labels of a list of deadlines at once (one query per subject type)."""
    found = subject_labels((d.subject_type, d.subject_id) for d in deadlines)
    for d in deadlines:
        d._subject_label = found[(d.subject_type, d.subject_id)]
    return deadlines
