"""Forms of the crisis track: the first contact, the plan with its rows of professional help, one
more contact, a reassessment (or the resolution)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.accounts.models import User
from jijinan.accounts.pickers import StaffChoiceField, staff_choosable
from jijinan.consultation.crisis import services
from jijinan.consultation.crisis.choices import ContactMethod, ProfessionalKind, ReassessmentOutcome, RiskLevel
from jijinan.consultation.crisis.permissions import CRISIS_RECORD

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
PLAN_ROWS = 3


def _choices(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("— 请选择 —")), *choices.choices]


def _textarea(label: Any, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=services.TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _when(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=DATETIME, input_formats=FORMATS,
                               help_text=_("北京时间，不能晚于现在"))


def _not_future(form: forms.Form, name: str) -> None:
    value = form.cleaned_data.get(name)
    if value is not None and value > timezone.now() + timedelta(minutes=1):
        form.add_error(name, _("时间不能晚于现在"))


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class FirstContactForm(forms.Form):
    made_by = StaffChoiceField(label=_("接触人"), queryset=User.objects.none(),
                               error_messages={"invalid_choice": _("请从列表中选择在职的工作人员"),
                                               "required": _("请选择首次接触的工作人员")})
    method = forms.ChoiceField(label=_("接触方式"), choices=_choices(ContactMethod),
                               error_messages={"required": _("请选择接触方式")})
    contacted_at = _when(_("接触时间"))
    findings = _textarea(_("接触情况"))
    risk = forms.ChoiceField(label=_("当时风险等级"), choices=_choices(RiskLevel),
                             error_messages={"required": _("请选择当时的风险等级")})

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"made_by": getattr(user, "pk", None), "contacted_at": _now_local()})
        super().__init__(*args, **kwargs)
        field = self.fields["made_by"]
        assert isinstance(field, StaffChoiceField)
        field.queryset = staff_choosable(user=user, action=CRISIS_RECORD)
        self.fields["findings"].error_messages["required"] = _("请写明接触时了解到的情况")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _not_future(self, "contacted_at")
        return data

    def to_input(self) -> services.FirstContactInput:
        d = self.cleaned_data
        return services.FirstContactInput(made_by_id=d["made_by"].pk, method=d["method"],
                                          contacted_at=d["contacted_at"], findings=d["findings"], risk=d["risk"])


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("专业力量"), choices=_choices(ProfessionalKind), required=False)
    name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    organisation = forms.CharField(label=_("所在单位"), max_length=services.SHORT_MAX, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=services.PHONE_MAX, required=False,
                            help_text=_("服务电话，如心理援助热线、派出所电话"))
    contacted_at = _when(_("联系时间"), required=False)
    outcome = _textarea(_("联系结果"), required=False, rows=2)

    def __init__(self, *args: Any, row_required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_required = row_required

    def filled(self) -> bool:
        d = getattr(self, "cleaned_data", {}) or {}
        return any(d.get(n) for n in ("kind", "name", "organisation", "phone", "contacted_at", "outcome"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.row_required or self.filled():
            for name, text in (("kind", _("请选择专业力量类别")), ("name", _("请填写联系人")),
                               ("contacted_at", _("请填写联系时间")), ("outcome", _("请写明联系结果"))):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, text)
            _not_future(self, "contacted_at")
        return data

    def to_input(self) -> services.ContactInput:
        d = self.cleaned_data
        return services.ContactInput(kind=d["kind"], name=d["name"], organisation=d["organisation"],
                                     phone=d["phone"], contacted_at=d["contacted_at"], outcome=d["outcome"])


class PlanContactForm(ContactForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, row_required=False, **kwargs)


ContactRows = formset_factory(PlanContactForm, extra=PLAN_ROWS, max_num=services.MAX_CONTACTS)


class PlanForm(forms.Form):
    measures = _textarea(_("干预措施"), rows=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measures"].error_messages["required"] = _("请写明干预措施")


class ReassessForm(forms.Form):
    outcome = forms.ChoiceField(label=_("评估结果"), choices=_choices(ReassessmentOutcome),
                                error_messages={"required": _("请选择评估结果")},
                                help_text=_("选择“风险已解除”即结束危机干预"))
    note = _textarea(_("评估情况"))
    reason = _textarea(_("解除理由"), required=False, rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["required"] = _("请写明评估情况")
        self.fields["reason"].help_text = _("解除危机时必填")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == ReassessmentOutcome.RESOLVED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("解除危机须写明理由"))
        return data

    def to_input(self) -> services.ReassessmentInput:
        d = self.cleaned_data
        return services.ReassessmentInput(outcome=d["outcome"], note=d["note"], reason=d.get("reason") or "")
