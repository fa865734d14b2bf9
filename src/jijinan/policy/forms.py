"""Forms of the policy pages; the value fields depend on the parameter's kind."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.core.errors import DomainError
from jijinan.policy.choices import Basis, ValueKind
from jijinan.policy.models import ParameterDefinition
from jijinan.policy.services import VersionInput


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_errors(form: forms.Form, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form, field by field where the form has the field."""
    aliases = aliases or {}
    placed = False
    for name, messages in exc.field_errors.items():
        target = aliases.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


class VersionForm(forms.Form):
    region_code = forms.RegexField(
        label=gettext_lazy("适用区划代码"), regex=r"^\d{12}$",
        error_messages={"invalid": gettext_lazy("区划代码应为 12 位数字")},
        help_text=gettext_lazy("省、市或县（区）的 12 位代码：县（区）的取值优先于市，市优先于省；"
                               "乡镇、村使用所在县（区）的取值"))
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=_date_input())
    effective_to = forms.DateField(label=gettext_lazy("失效日期"), required=False,
                                   help_text=gettext_lazy("自该日起不再适用（不含该日），此后使用上级区划的取值；留空表示长期有效"),
                                   widget=_date_input())
    citation = forms.CharField(label=gettext_lazy("依据"), max_length=300,
                               help_text=gettext_lazy("文件名称、条款或说明，如“江苏省最低生活保障工作规程”"))
    document_number = forms.CharField(label=gettext_lazy("文号"), max_length=100, required=False,
                                      help_text=gettext_lazy("如 苏民规〔2020〕5号"))
    url = forms.CharField(label=gettext_lazy("链接"), max_length=300, required=False)
    basis = forms.ChoiceField(label=gettext_lazy("来源类别"), choices=Basis.choices, initial=Basis.POLICY)
    note = forms.CharField(label=gettext_lazy("调整说明"), max_length=300, required=False)
    backdate = forms.BooleanField(
        label=gettext_lazy("追溯生效"), required=False,
        help_text=gettext_lazy("生效日期早于今天时勾选：补录历史或追溯调整。已作出的决定仍按其当时使用的版本。"))
    definition_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, definition: ParameterDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        unit = definition.display_unit()
        value_fields: dict[str, forms.Field] = {}
        kind = definition.kind
        if kind == ValueKind.MONEY:
            value_fields["value"] = forms.CharField(
                label=_("金额") + f"（{unit or _('元')}）", max_length=20,
                help_text=_("以元为单位，最多两位小数，如 945 或 945.50"))
        elif kind in {ValueKind.MULTIPLE, ValueKind.RATE, ValueKind.NUMBER}:
            value_fields["value"] = forms.CharField(label=_("取值") + (f"（{unit}）" if unit else ""),
                                                    max_length=20)
        elif kind in {ValueKind.INTEGER, ValueKind.MONTHS}:
            value_fields["value"] = forms.IntegerField(label=_("取值") + (f"（{unit}）" if unit else ""))
        elif kind == ValueKind.DURATION:
            value_fields["value"] = forms.IntegerField(label=_("期限"), min_value=0)
            value_fields["value_unit"] = forms.ChoiceField(label=_("期限单位"), choices=definition.unit_choices())
        elif kind == ValueKind.BOOLEAN:
            value_fields["value"] = forms.ChoiceField(label=_("取值"), choices=[("true", _("是")), ("false", _("否"))])
        elif kind == ValueKind.BAND:
            value_fields["value_min"] = forms.CharField(label=_("下限") + (f"（{unit}）" if unit else ""),
                                                        max_length=20)
            value_fields["value_max"] = forms.CharField(label=_("上限") + (f"（{unit}）" if unit else ""),
                                                        max_length=20)
        # The value first, after the region.
        fields = list(self.fields.items())
        self.fields = dict([fields[0], *value_fields.items(), *fields[1:]])

    @property
    def value_aliases(self) -> dict[str, str]:
        return {"value": "value_min"} if self.definition.kind == ValueKind.BAND else {}

    def _value(self) -> Any:
        d = self.cleaned_data
        kind = self.definition.kind
        if kind == ValueKind.MONEY:
            text = str(d.get("value", "")).replace(",", "").replace("，", "").strip()
            try:
                amount = Decimal(text)
            except InvalidOperation:
                raise forms.ValidationError({"value": _("请输入金额（元），最多两位小数")}) from None
            if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                raise forms.ValidationError({"value": _("请输入金额（元），最多两位小数")})
            return int(amount * 100)
        if kind == ValueKind.DURATION:
            return {"count": d.get("value"), "unit": d.get("value_unit")}
        if kind == ValueKind.BOOLEAN:
            return d.get("value") == "true"
        if kind == ValueKind.BAND:
            return {"min": d.get("value_min", "").strip(), "max": d.get("value_max", "").strip()}
        value = d.get("value")
        return value.strip() if isinstance(value, str) else value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            data["parsed_value"] = self._value()
        return data

    def to_input(self) -> VersionInput:
        d = self.cleaned_data
        return VersionInput(
            region_code=d["region_code"], value=d["parsed_value"], effective_from=d["effective_from"],
            effective_to=d.get("effective_to"), citation=d["citation"],
            document_number=d.get("document_number", ""), url=d.get("url", ""), basis=d["basis"],
            note=d.get("note", ""), backdate=bool(d.get("backdate")))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("撤回原因"), max_length=200)
    definition_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LookupForm(forms.Form):
    """Region and day of the values list (bound to GET, defaults filled in by the view)."""

    region = forms.ChoiceField(label=gettext_lazy("区划"))
    on = forms.DateField(label=gettext_lazy("日期"), widget=_date_input())


class CompareForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("区划"))
    date_a = forms.DateField(label=gettext_lazy("日期甲"), widget=_date_input())
    date_b = forms.DateField(label=gettext_lazy("日期乙"), widget=_date_input())
    changed_only = forms.BooleanField(label=gettext_lazy("只看有变化的参数"), required=False)
