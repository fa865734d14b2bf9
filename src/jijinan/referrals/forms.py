"""Forms of the referral pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.cases.intake.attachments import Upload, check_size
from jijinan.cases.intake.forms import MultipleFileField
from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.referrals.choices import FlagReason, FlagStatus, ReturnReason
from jijinan.referrals.permissions import MATRIX_MANAGE
from jijinan.regions.pickers import ALL_LEVELS, RegionPickerField, bind_region_pickers

TEXT_MAX = 2000


def _version() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _textarea(label: Any, *, required: bool = True, max_length: int = TEXT_MAX, rows: int = 3,
              help_text: Any = None) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}), help_text=help_text or "")


class UploadsMixin:
    cleaned_data: dict[str, Any]

    def uploads(self) -> list[Upload]:
        chosen = self.cleaned_data.get("documents") or []
        for f in chosen:
            check_size(f.size, field="documents")
        return [Upload(f.name, f.read()) for f in chosen]


class TaskRowForm(forms.Form):
    """One office of a split: picked or not, which office, what to do, what to report."""

    pick = forms.BooleanField(label=_("交办"), required=False)
    need = forms.ChoiceField(label=_("需求"), required=False)
    rule_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    office = forms.TypedChoiceField(label=_("承办部门"), coerce=int, required=False, empty_value=None)
    description = _textarea(_("任务说明"), required=False, rows=2)
    required_result = _textarea(_("要求反馈的结果"), required=False, max_length=300, rows=2)

    def __init__(self, *args: Any, offices: list[tuple[Any, str]], needs: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", _("— 请选择 —")), *offices]  # type: ignore[attr-defined]
        self.fields["need"].choices = [("", "—"), *needs]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pick"):
            if not data.get("office"):
                self.add_error("office", _("请选择承办部门"))
            if not (data.get("description") or "").strip():
                self.add_error("description", _("请填写任务说明"))
            if not (data.get("required_result") or "").strip():
                self.add_error("required_result", _("请填写要求反馈的结果"))
        return data


class AcceptForm(forms.Form):
    version = _version()
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class ReturnForm(forms.Form):
    version = _version()
    reason_code = forms.ChoiceField(label=_("退回原因"), choices=[("", _("— 请选择 —")), *ReturnReason.choices],
                                    required=False)
    reason = _textarea(_("退回理由"), required=False)


class AskForm(forms.Form):
    version = _version()
    text = _textarea(_("需要补充的材料或情况"), required=False)


class TextForm(UploadsMixin, forms.Form):
    version = _version()
    text = _textarea(_("说明"), required=False)
    documents = MultipleFileField(label=_("附件（PDF、JPEG 或 PNG）"), required=False)


class CompleteForm(UploadsMixin, forms.Form):
    version = _version()
    result = _textarea(_("办理结果（提供了哪些帮助）"), required=False)
    amount_yuan = forms.DecimalField(label=_("救助金额（元）"), required=False, min_value=Decimal("0"),
                                     max_digits=12, decimal_places=2, help_text=_("未给付资金的留空"))
    documents = MultipleFileField(label=_("附件（PDF、JPEG 或 PNG）"), required=False)

    def amount_fen(self) -> int | None:
        amount = self.cleaned_data.get("amount_yuan")
        return None if amount is None else int(amount * 100)


class OfficeChoiceForm(forms.Form):
    version = _version()
    to_office = forms.TypedChoiceField(label=_("交给"), coerce=int, required=False, empty_value=None)
    reason = _textarea(_("理由"), required=False)

    def __init__(self, *args: Any, offices: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_office"].choices = [("", _("— 请选择 —")), *offices]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    version = _version()
    reason = _textarea(_("理由"), required=False)


class OfficeFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("open", _("待办（待接收和办理中）")), ("pending", _("待接收")), ("accepted", _("办理中")),
        ("overdue", _("已超期")), ("done", _("已办结")), ("all", _("全部"))])
    q = forms.CharField(label=_("事项编号、任务编号或对象姓名"), required=False, max_length=50)


FLAG_STATUS_CHOICES = [("live", _("未处理（待处理和督办中）")), *FlagStatus.choices, ("all", _("全部"))]


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("处理状态"), required=False, choices=FLAG_STATUS_CHOICES)
    reason = forms.ChoiceField(label=_("预警类型"), required=False, choices=[("", _("全部")), *FlagReason.choices])
    q = forms.CharField(label=_("事项编号、部门或说明"), required=False, max_length=50)


class FlagSettleForm(forms.Form):
    """Settle a flag: resolved with what was found and done, or dismissed with the reason."""

    version = _version()
    status = forms.ChoiceField(label=_("处理结果"), widget=forms.RadioSelect, choices=[
        (FlagStatus.RESOLVED, _("查实处理：确有推诿，已督促整改或追责")),
        (FlagStatus.DISMISSED, _("排除：经核实不属于推诿"))])
    outcome = _textarea(_("查实的情况和处理，或排除的理由"), help_text=None)


UNIT_CHOICES = [("", "—"), (DeadlineUnit.WORKING_DAYS, _("工作日")), (DeadlineUnit.CALENDAR_DAYS, _("自然日")),
                (DeadlineUnit.HOURS, _("小时"))]


class RuleForm(forms.Form):
    need = forms.ChoiceField(label=_("需求类型"))
    category = forms.ChoiceField(label=_("急难类别"), required=False, help_text=_("留空：任何类别"))
    program = forms.ChoiceField(label=_("救助项目"), required=False)
    region_code = RegionPickerField(label=_("适用区划"), levels=ALL_LEVELS, action=MATRIX_MANAGE, prefill=False,
                                    required=False, help_text=_("不选：全省"))
    department_type = forms.ChoiceField(label=_("责任部门"))
    limit_count = forms.IntegerField(label=_("办理时限"), required=False, min_value=1, max_value=365,
                                     help_text=_("留空：按政策参数“部门分办任务时限”"))
    limit_unit = forms.ChoiceField(label=_("时限单位"), required=False, choices=UNIT_CHOICES)
    required_result = forms.CharField(label=_("要求反馈的结果"), max_length=300)
    duty = forms.CharField(label=_("职责依据"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, needs: list[tuple[str, str]], categories: list[tuple[str, str]],
                 departments: list[tuple[str, str]], user: Any, programs: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_pickers(self, user)
        self.fields["need"].choices = [("", _("— 请选择 —")), *needs]  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", _("任何类别")), *categories]  # type: ignore[attr-defined]
        self.fields["program"].choices = [("", _("任何项目")), *(programs or [])]  # type: ignore[attr-defined]
        self.fields["department_type"].choices = [("", _("— 请选择 —")), *departments]  # type: ignore[attr-defined]
