"""What consultation adds to the platform's registries: its deadline kinds and subjects, its
webhook event types."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
from jijinan.core.extensions.subjects import DeadlineSubject, SubjectLabel, register_deadline_subject


def _escalation_url(subject_id: str) -> str:
    return reverse("consultation:escalation", args=[int(subject_id)])


def _opinion_url(subject_id: str) -> str:
    from jijinan.consultation.models import Opinion

    escalation_id = Opinion.objects.filter(pk=int(subject_id)).values_list(
        "consultation__escalation_id", flat=True).first()
    return reverse("consultation:escalation", args=[escalation_id]) if escalation_id else ""


def escalation_labels(ids: list[str]) -> dict[str, SubjectLabel]:
    from jijinan.consultation.models import Escalation

    pks = [int(i) for i in ids if i.isdigit()]
    return {str(e.pk): SubjectLabel(_("报告协商 %(number)s") % {"number": e.number},
                                    reverse("consultation:escalation", args=[e.pk]))
            for e in Escalation.objects.filter(pk__in=pks).select_related("case")}


def opinion_labels(ids: list[str]) -> dict[str, SubjectLabel]:
    from jijinan.consultation.models import Opinion

    pks = [int(i) for i in ids if i.isdigit()]
    return {str(o.pk): SubjectLabel(_("%(office)s 的会商意见（%(number)s）") % {
        "office": o.office.name, "number": o.consultation.escalation.number},
        reverse("consultation:escalation", args=[o.consultation.escalation_id]))
        for o in Opinion.objects.filter(pk__in=pks).select_related("office", "consultation__escalation__case")}


def install() -> None:
    from jijinan.consultation.services import (
        CONVENE_DEADLINE,
        ESCALATION_SUBJECT,
        OPINION_DEADLINE,
        OPINION_SUBJECT,
    )

    deadline_kind_register(DeadlineKind(
        code=CONVENE_DEADLINE, label=gettext_lazy("召集会商期限"), default_unit="working_days",
        subject_types=frozenset({ESCALATION_SUBJECT}), subject_url=_escalation_url,
        description=gettext_lazy("自报告协商起，人民政府（或受委托的民政部门）召集会商")))
    deadline_kind_register(DeadlineKind(
        code=OPINION_DEADLINE, label=gettext_lazy("会商意见期限"), default_unit="working_days",
        subject_types=frozenset({OPINION_SUBJECT}), subject_url=_opinion_url,
        description=gettext_lazy("受邀部门自邀请起提出书面意见")))
    register_deadline_subject(DeadlineSubject(subject_type=ESCALATION_SUBJECT, title=gettext_lazy("报告协商"),
                                              labels=escalation_labels))
    register_deadline_subject(DeadlineSubject(subject_type=OPINION_SUBJECT, title=gettext_lazy("会商意见"),
                                              labels=opinion_labels))
