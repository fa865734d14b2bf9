"""Forms of the accountability pages: the subject by its number, the responsible office and person
picked from those in the recorder's scope (never typed ids); the services do the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.consultation.forms import grouped_office_choices, office_label
from jijinan.regions.pickers import AREA_LEVELS, RegionPickerField, bind_region_pickers
from jijinan.supervision.accountability.permissions import ACCOUNTABILITY_VIEW
from jijinan.supervision.accountability.services import CASE, ORDER, TASK, AccountabilityInput
from jijinan.supervision.choices import Failing

TEXT_MAX = 2000
STAFF_CHOICES_MAX = 500

SUBJECT_KINDS = [(CASE, _("急难事项")), (TASK, _("部门任务")), (ORDER, _("督办单"))]


def _textarea(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=TEXT_MAX, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 4}))


class AccountabilityFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=50,
                        help_text=_("事项、任务或督办编号，责任人，认定或措施中的文字"))
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    failing = forms.ChoiceField(label=_("问题类型"), required=False, choices=[("", _("全部")), *Failing.choices])
    region = RegionPickerField(label=_("区划"), levels=AREA_LEVELS, action=ACCOUNTABILITY_VIEW, prefill=False,
                               required=False)
    office = forms.TypedChoiceField(label=_("责任单位"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, user: Any, years: list[int], offices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_pickers(self, user, action=ACCOUNTABILITY_VIEW)
        this_year = timezone.localdate().year
        shown = sorted({this_year, *years}, reverse=True)
        self.fields["year"].choices = [("", _("全部")), *[(y, str(y)) for y in shown]]  # type: ignore[attr-defined]
        self.fields["office"].choices = [("", _("全部")), *grouped_office_choices(offices)]  # type: ignore[attr-defined]


class AccountabilityForm(forms.Form):
    """Register (or correct) a record. On a correction the subject is fixed and not shown."""

    subject_kind = forms.ChoiceField(label=_("追究对象"), choices=SUBJECT_KINDS, initial=CASE,
                                     widget=forms.RadioSelect)
    subject_number = forms.CharField(label=_("编号"), max_length=40,
                                     help_text=_("事项编号、任务编号（事项编号-序号）或督办编号，须在您的辖区内"))
    failing = forms.ChoiceField(label=_("问题类型"), choices=[("", _("— 请选择 —")), *Failing.choices])
    responsible_office = forms.TypedChoiceField(label=_("责任单位"), coerce=int, empty_value=None)
    responsible_user = forms.TypedChoiceField(label=_("责任人（本系统工作人员，可不选）"), coerce=int, empty_value=None,
                                              required=False)
    responsible_person = forms.CharField(label=_("责任人姓名及职务"), max_length=100, required=False,
                                         help_text=_("选择了工作人员时可不填，按其姓名和职务登记"))
    finding = _textarea(_("调查认定"), _("查明的事实和认定的责任"))
    measure = _textarea(_("处理措施"), _("如约谈、通报批评、诫勉谈话、移送纪检监察机关等"))
    decided_on = forms.DateField(label=_("处理日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, offices: list[Any], staff: list[Any], correcting: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_office"].choices = [  # type: ignore[attr-defined]
            ("", _("— 请选择 —")), *grouped_office_choices(offices)]
        groups: dict[str, list[tuple[int, str]]] = {}
        for u in staff[:STAFF_CHOICES_MAX]:
            groups.setdefault(office_label(u.organisation), []).append(
                (u.pk, " ".join(p for p in (u.display_name(), u.title) if p)))
        self.fields["responsible_user"].choices = [  # type: ignore[attr-defined]
            ("", _("— 不选 —")), *groups.items()]
        if correcting:
            del self.fields["subject_kind"]
            del self.fields["subject_number"]
            self.fields["version"].required = True

    def data_input(self) -> AccountabilityInput:
        d = self.cleaned_data
        return AccountabilityInput(failing=d["failing"], responsible_office_id=d["responsible_office"],
                                   responsible_user_id=d.get("responsible_user"),
                                   responsible_person=d.get("responsible_person") or "", finding=d["finding"],
                                   measure=d["measure"], decided_on=d["decided_on"])
