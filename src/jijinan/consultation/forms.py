"""Forms of the escalation and consultation pages. Offices are chosen from the eligible ones (never
typed), amounts are typed in 元 and become fen exactly, times are Beijing time; the services do the
real checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.cases.workflow.forms import YuanField, yuan_to_fen
from jijinan.consultation.choices import DecisionOutcome, FundingSource, MeetingMode
from jijinan.core.calendar.workdays import DeadlineUnit

TEXT_MAX = 4000
SHORT_MAX = 500
INVITE_ROWS = 4
FUNDING_ROWS = 3
DUTY_ROWS = 3


def _version() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _textarea(label: Any, *, required: bool = True, max_length: int = TEXT_MAX, rows: int = 3,
              help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


def office_label(office: Any) -> str:
    kind = office.department_type.label if office.department_type_id else ""
    return office.name if not kind or kind in office.name else f"{office.name}（{kind}）"


def grouped_office_choices(offices: list[Any]) -> list[Any]:
    """The offices as option groups by kind (部门机构, 民政部门, 救助管理站, 合作组织)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for o in offices:
        groups.setdefault(o.kind, []).append((o.pk, office_label(o)))
    order = [OrganisationKind.DEPARTMENT_OFFICE, OrganisationKind.CIVIL_AFFAIRS_OFFICE,
             OrganisationKind.RELIEF_STATION, OrganisationKind.PARTNER]
    return [(OrganisationKind(kind).label, groups[kind]) for kind in order if kind in groups]


def _office_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, required=False, empty_value=None)


class InvitationRowForm(forms.Form):
    """One office asked for its opinion, with an optional question of its own."""

    office = _office_field(_("受邀部门或单位"))
    question = forms.CharField(label=_("请该单位回答的问题（可不填）"), required=False, max_length=SHORT_MAX)

    def __init__(self, *args: Any, offices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", _("— 请选择 —")), *offices]  # type: ignore[attr-defined]


class ConveneForm(forms.Form):
    version = _version()
    agenda = _textarea(_("会商议题"), required=False,
                       help_text=_("要研究解决的问题，例如：一事一议救助金额、各部门分工"))


class VersionForm(forms.Form):
    version = _version()


class OpinionForm(forms.Form):
    version = _version()
    text = _textarea(_("意见"), required=False, rows=4, help_text=_("本单位对事项的书面意见，包括政策依据"))
    can_help = forms.CharField(label=_("本单位可提供的帮扶"), required=False, max_length=SHORT_MAX,
                               help_text=_("例如：医疗费用减免、学费减免、临时住所；没有可不填"))


class MeetingForm(forms.Form):
    version = _version()
    held_at = forms.DateTimeField(label=_("会商时间（北京时间）"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                  input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    mode = forms.ChoiceField(label=_("会商方式"), choices=MeetingMode.choices, initial=MeetingMode.IN_PERSON)
    place = forms.CharField(label=_("地点或会议链接"), required=False, max_length=200,
                            help_text=_("现场会议和视频会议必填"))
    attendees = _textarea(_("参会人员"), required=False, max_length=SHORT_MAX * 2, rows=2)
    minutes = _textarea(_("会议纪要"), required=False, rows=5)


def _amount(form: forms.Form, name: str) -> int | None:
    value = form.cleaned_data.get(name)
    return None if value is None else yuan_to_fen(value)


class DecisionForm(forms.Form):
    version = _version()
    outcome = forms.ChoiceField(label=_("会商结论"), choices=[("", _("— 请选择 —")), *DecisionOutcome.choices],
                                required=False)
    plan = _textarea(_("救助帮扶方案"), required=False, rows=4,
                     help_text=_("诉求不合理的，写明政策解释要点"))
    case_by_case_amount = YuanField(label=_("一事一议临时救助金额（元）"), required=False, min_value=Decimal("0"),
                                    help_text=_("因金额超过上限报告的事项必填；诉求不合理的留空"))
    total_support = YuanField(label=_("帮扶总额（元）"), required=False, min_value=Decimal("0"),
                              help_text=_("留空：一事一议金额加各部门帮扶金额"))

    def case_by_case_amount_fen(self) -> int | None:
        return _amount(self, "case_by_case_amount")

    def total_support_fen(self) -> int | None:
        return _amount(self, "total_support")


class FundingRowForm(forms.Form):
    source = forms.ChoiceField(label=_("资金来源"), choices=[("", _("— 请选择 —")), *FundingSource.choices],
                               required=False)
    name = forms.CharField(label=_("名称"), required=False, max_length=100,
                           help_text=_("慈善组织、基金或其他来源必填"))
    amount = YuanField(label=_("金额（元）"), required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("source") or data.get("name") or data.get("amount") is not None)


UNIT_CHOICES = [(DeadlineUnit.WORKING_DAYS, _("工作日")), (DeadlineUnit.CALENDAR_DAYS, _("自然日"))]


class DutyRowForm(forms.Form):
    office = _office_field(_("责任部门"))
    description = _textarea(_("分工内容"), required=False, rows=2)
    amount = YuanField(label=_("帮扶金额（元）"), required=False, help_text=_("不涉及资金的留空"))
    limit_count = forms.IntegerField(label=_("办理时限"), required=False, min_value=1, max_value=90,
                                     help_text=_("留空：按政策参数“会商分工办理时限”"))
    limit_unit = forms.ChoiceField(label=_("时限单位"), choices=UNIT_CHOICES, required=False)

    def __init__(self, *args: Any, offices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", _("— 请选择 —")), *offices]  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("office") or (data.get("description") or "").strip() or data.get("amount") is not None)


class ExplanationForm(forms.Form):
    explained_by = forms.CharField(label=_("解释人"), max_length=100, required=False)
    explained_at = forms.DateTimeField(label=_("解释时间（北京时间）"), required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                  format="%Y-%m-%dT%H:%M"),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
    content = _textarea(_("解释内容"), required=False)
    response = _textarea(_("当事人反应"), required=False, rows=2)
    accepted = forms.BooleanField(label=_("当事人表示理解"), required=False)


class ReasonForm(forms.Form):
    version = _version()
    reason = _textarea(_("理由"), required=False, rows=2)


class RaiseForm(forms.Form):
    reason = _textarea(_("报告协商的理由"), required=False, rows=3,
                       help_text=_("为什么需要人民政府召集有关部门会商，例如：需多部门共同解决、金额超出权限"))


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    q = forms.CharField(label=_("事项编号或对象姓名"), required=False, max_length=50)

    def __init__(self, *args: Any, statuses: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = statuses  # type: ignore[attr-defined]
