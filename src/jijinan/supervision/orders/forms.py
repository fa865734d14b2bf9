"""Forms of the 督办 order pages. Offices, people and regions are chosen from lists or the region
picker (never typed); the services do the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.accounts.pickers import StaffChoiceField
from jijinan.cases.intake.attachments import Upload, check_size
from jijinan.cases.intake.forms import MultipleFileField
from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.regions.pickers import AREA_LEVELS, RegionPickerField
from jijinan.supervision.choices import MatterKind, OrderStatus
from jijinan.supervision.orders.permissions import ORDER_READ

TEXT_MAX = 4000


def _textarea(label: Any, *, required: bool = True, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=TEXT_MAX, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _version() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def office_label(office: Any) -> str:
    return f"{office.name}（{office.region.name}）" if office.region.name not in office.name else office.name


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    matter_kind = forms.ChoiceField(label=_("督办事由"), required=False)
    region = RegionPickerField(label=_("区划"), levels=AREA_LEVELS, action=ORDER_READ, prefill=False, required=False)
    addressee = forms.TypedChoiceField(label=_("承办单位"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("只看逾期未答复的"), required=False)
    q = forms.CharField(label=_("督办编号或事项编号"), required=False, max_length=50)

    def __init__(self, *args: Any, addressees: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("open", _("未办结")), *OrderStatus.choices,  # type: ignore[attr-defined]
                                         ("all", _("全部"))]
        self.fields["matter_kind"].choices = [("", _("全部")), *MatterKind.choices]  # type: ignore[attr-defined]
        self.fields["addressee"].choices = [("", _("全部")), *[  # type: ignore[attr-defined]
            (o.pk, office_label(o)) for o in addressees]]


class CaseSearchForm(forms.Form):
    q = forms.CharField(label=_("事项编号或对象姓名"), max_length=50,
                        help_text=_("输入急难事项编号或对象姓名查找辖区的事项"))


class OpenForm(forms.Form):
    reason = _textarea(_("督办事由"), help_text=_("写明发现的问题：什么事项、拖延或推诿的情况"))
    required_response = _textarea(_("办理要求"), help_text=_("写明承办单位须办理的事项和答复的内容"))
    addressee_office = forms.TypedChoiceField(label=_("承办单位"), coerce=int, empty_value=None,
                                              help_text=_("默认为当前负责该事项的单位"))
    addressee_user = StaffChoiceField(label=_("承办人（可不选）"), queryset=None, required=False)
    limit_count = forms.IntegerField(label=_("答复时限（可不填）"), required=False, min_value=1, max_value=365,
                                     help_text=_("不填则按政策参数规定的督办答复时限"))
    limit_unit = forms.ChoiceField(label=_("时限单位"), required=False)

    def __init__(self, *args: Any, offices: list[Any], staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["addressee_office"].choices = [("", _("— 请选择 —")), *[  # type: ignore[attr-defined]
            (o.pk, office_label(o)) for o in offices]]
        self.fields["addressee_user"].queryset = staff  # type: ignore[attr-defined]
        self.fields["limit_unit"].choices = [("", "—"), *DeadlineUnit.choices]  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    version = _version()
    answer = _textarea(_("办理情况"), rows=5, help_text=_("写明做了什么、结果如何；未办结的说明原因和计划"))
    documents = MultipleFileField(label=_("附件（PDF、JPEG 或 PNG）"), required=False)

    def uploads(self) -> list[Upload]:
        chosen = self.cleaned_data.get("documents") or []
        for f in chosen:
            check_size(f.size, field="documents")
        return [Upload(f.name, f.read()) for f in chosen]


class ReviewForm(forms.Form):
    version = _version()
    decision = forms.ChoiceField(label=_("审核结果"), widget=forms.RadioSelect, choices=[
        ("close", _("满意，办结")), ("send_back", _("不满意，退回重办"))])
    note = _textarea(_("审核意见"), required=False, help_text=_("退回重办时必须写明理由和还需办理的事项"))


class CancelForm(forms.Form):
    version = _version()
    reason = _textarea(_("撤销理由"), rows=2)
