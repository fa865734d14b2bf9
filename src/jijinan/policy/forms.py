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
from jijinan.policy.permissions import POLICY_EVALUATE, POLICY_MANAGE
from jijinan.policy.services import VersionInput
from jijinan.regions.choices import RegionLevel
from jijinan.regions.pickers import ALL_LEVELS, RegionPickerField


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
    region_code = RegionPickerField(
        label=gettext_lazy("适用区划"), levels=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY],
        action=POLICY_MANAGE,
        help_text=gettext_lazy("省、市或县（区）：县（区）的取值优先于市，市优先于省；乡镇、村使用所在县（区）的取值"))
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


# --- the window calculator ----------------------------------------------------------------------------

def fen(amount: Decimal | None) -> int:
    return int((amount or Decimal(0)) * 100)


def _yuan(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=Decimal(0), max_digits=12, decimal_places=2,
                              **kwargs)


class CalculatorForm(forms.Form):
    """The household and the request as a clerk hears them at the window (amounts in yuan)."""

    region_code = RegionPickerField(label=gettext_lazy("办理地"), levels=ALL_LEVELS, action=POLICY_EVALUATE)
    on = forms.DateField(label=gettext_lazy("评估日期"), widget=_date_input())
    monthly_income = _yuan(gettext_lazy("家庭月收入（元）"))
    lookback_income = _yuan(gettext_lazy("近 12 个月家庭收入（元）"),
                            help_text=gettext_lazy("判断刚性支出困难时填写"))
    financial_assets = _yuan(gettext_lazy("金融资产（元）"))
    homes = forms.IntegerField(label=gettext_lazy("住房套数"), min_value=0, max_value=1000, required=False)
    floor_area = forms.DecimalField(label=gettext_lazy("住房总面积（平方米）"), min_value=Decimal(0), max_digits=9,
                                    decimal_places=2, required=False)
    latest_home_acquired_on = forms.DateField(label=gettext_lazy("最近购建房屋日期"), required=False,
                                              widget=_date_input())
    private_cars = forms.IntegerField(label=gettext_lazy("家用汽车（辆）"), min_value=0, max_value=100, required=False,
                                      help_text=gettext_lazy("不含唯一生计用的小型营运车辆和残疾人代步车"))
    business_controller = forms.BooleanField(label=gettext_lazy("有成员为企业法定代表人或控股股东"), required=False)
    large_farm_machinery = forms.BooleanField(label=gettext_lazy("有大型农机具"), required=False)
    commercial_boat = forms.BooleanField(label=gettext_lazy("有营运船舶"), required=False)
    receiving_dibao = forms.BooleanField(label=gettext_lazy("现为低保户"), required=False)
    current_benefit = _yuan(gettext_lazy("现发低保金（元/月）"))
    medical_spending = _yuan(gettext_lazy("近 12 个月医疗支出（元）"))
    education_spending = _yuan(gettext_lazy("近 12 个月教育支出（元）"))
    # Temporary assistance: only evaluated when an amount is asked for.
    ta_kind = forms.ChoiceField(label=gettext_lazy("临时救助类型"), required=False, choices=[
        ("emergency", gettext_lazy("急难型")), ("expense", gettext_lazy("支出型"))])
    ta_cause = forms.ChoiceField(label=gettext_lazy("救助原因"), required=False, choices=[
        ("accident", gettext_lazy("意外事故")), ("fire", gettext_lazy("火灾")),
        ("serious_illness", gettext_lazy("重病")), ("breadwinner_loss", gettext_lazy("家庭主要劳动力死亡或失踪")),
        ("disaster", gettext_lazy("自然灾害")), ("medical", gettext_lazy("医疗支出")),
        ("education", gettext_lazy("教育支出")), ("other", gettext_lazy("其他"))])
    ta_severity = forms.ChoiceField(label=gettext_lazy("困难程度"), required=False, choices=[
        ("general", gettext_lazy("一般")), ("serious", gettext_lazy("较重")), ("critical", gettext_lazy("严重"))])
    ta_requested = _yuan(gettext_lazy("申请临时救助金额（元）"))
    ta_expense = _yuan(gettext_lazy("刚性支出金额（元）"), help_text=gettext_lazy("支出型救助填写"))
    ta_prior_grants = forms.IntegerField(label=gettext_lazy("本年同一原因已救助次数"), min_value=0, max_value=366,
                                         required=False)
    ta_difficulty_months = forms.IntegerField(label=gettext_lazy("困难预计持续月数"), min_value=0, max_value=1200,
                                              required=False)
    ta_stability_risk = forms.BooleanField(label=gettext_lazy("有影响稳定或极端行为风险"), required=False)
    # Medical assistance: only evaluated when an expense is given.
    med_category = forms.ChoiceField(label=gettext_lazy("医疗救助对象类别"), required=False, choices=[
        ("dibao", gettext_lazy("低保对象")), ("tekun", gettext_lazy("特困人员")),
        ("dibao_edge", gettext_lazy("低保边缘")), ("illness_poor", gettext_lazy("因病致贫家庭"))])
    med_expense = _yuan(gettext_lazy("政策范围内自付费用（元）"))
    med_ytd_paid = _yuan(gettext_lazy("本年已获医疗救助（元）"))
    save = forms.BooleanField(label=gettext_lazy("保存为决定记录（可复核）"), required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=300, required=False)


DISABILITY_CHOICES = [
    ("", gettext_lazy("无")), ("visual", gettext_lazy("视力")), ("hearing", gettext_lazy("听力")),
    ("speech", gettext_lazy("言语")), ("physical", gettext_lazy("肢体")), ("intellectual", gettext_lazy("智力")),
    ("psychiatric", gettext_lazy("精神")), ("multiple", gettext_lazy("多重"))]
ACTIVITY_CHOICES = [
    ("eating", gettext_lazy("进食")), ("dressing", gettext_lazy("穿衣")), ("bed_transfer", gettext_lazy("上下床")),
    ("toileting", gettext_lazy("如厕")), ("walking_indoors", gettext_lazy("室内行走")),
    ("bathing", gettext_lazy("洗澡"))]


class MemberForm(forms.Form):
    """One household member; the first row is the applicant."""

    age = forms.IntegerField(label=gettext_lazy("年龄"), min_value=0, max_value=150, required=False)
    birth_date = forms.DateField(label=gettext_lazy("出生日期"), required=False, widget=_date_input())
    disability_category = forms.ChoiceField(label=gettext_lazy("残疾类别"), choices=DISABILITY_CHOICES,
                                            required=False)
    disability_grade = forms.IntegerField(label=gettext_lazy("残疾等级"), min_value=1, max_value=4, required=False)
    serious_illness = forms.BooleanField(label=gettext_lazy("重病"), required=False)
    living_alone = forms.BooleanField(label=gettext_lazy("独居"), required=False)
    ethnic_minority = forms.BooleanField(label=gettext_lazy("少数民族"), required=False)
    veteran = forms.BooleanField(label=gettext_lazy("退役军人"), required=False)
    model_worker = forms.BooleanField(label=gettext_lazy("劳动模范"), required=False)
    returned_overseas_chinese = forms.BooleanField(label=gettext_lazy("归侨"), required=False)
    unable_activities = forms.MultipleChoiceField(label=gettext_lazy("不能自理的项目"), choices=ACTIVITY_CHOICES,
                                                  required=False, widget=forms.CheckboxSelectMultiple)

    def is_filled(self) -> bool:
        d = self.cleaned_data
        return d.get("age") is not None or d.get("birth_date") is not None

    def member(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {
            "disability_category": d.get("disability_category") or "",
            "disability_grade": d.get("disability_grade"),
            "unable_activities": sorted(d.get("unable_activities") or []),
        }
        if d.get("birth_date"):
            out["birth_date"] = d["birth_date"].isoformat()
        else:
            out["age"] = d.get("age")
        for flag in ("serious_illness", "living_alone", "ethnic_minority", "veteran", "model_worker",
                     "returned_overseas_chinese"):
            out[flag] = bool(d.get(flag))
        return out


MemberFormSet = forms.formset_factory(MemberForm, extra=6, max_num=12)


def calculator_inputs(form: CalculatorForm, members: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The JSON inputs of every program the filled form asks about, keyed by program."""
    d = form.cleaned_data
    base = {"region_code": d["region_code"], "on": d["on"].isoformat()}
    cars = [{"use": "private"}] * (d.get("private_cars") or 0)
    prop: dict[str, Any] = {
        "financial_assets_fen": fen(d.get("financial_assets")), "vehicles": cars,
        "large_farm_machinery": bool(d.get("large_farm_machinery")),
        "commercial_boat": bool(d.get("commercial_boat")), "business_controller": bool(d.get("business_controller")),
        "homes": d.get("homes") or 0, "floor_area_m2": str(d.get("floor_area") or Decimal(0)),
        "latest_home_acquired_on": d["latest_home_acquired_on"].isoformat() if d.get("latest_home_acquired_on")
        else None}
    household = {"members": members}
    income = fen(d.get("monthly_income"))
    inputs: dict[str, dict[str, Any]] = {
        "dibao": {**base, "household": household, "monthly_income_fen": income, "property": prop,
                  "receiving_dibao": bool(d.get("receiving_dibao")),
                  "current_benefit_fen": fen(d.get("current_benefit"))},
        "low_income": {**base, "household": household, "monthly_income_fen": income, "property": prop,
                       "receiving_dibao": bool(d.get("receiving_dibao")),
                       "lookback_income_fen": fen(d["lookback_income"]) if d.get("lookback_income") is not None
                       else None,
                       "rigid_expenses": {"medical_fen": fen(d.get("medical_spending")),
                                          "education_fen": fen(d.get("education_spending"))}},
    }
    if members:
        # 特困 looks at the applicant alone (the first row), with the household's income per head.
        inputs["tekun"] = {**base, "person": members[0], "monthly_income_fen": income // max(len(members), 1),
                           "property": prop}
    if d.get("ta_requested"):
        kind = d.get("ta_kind") or "emergency"
        cause = d.get("ta_cause") or "other"
        expense_kind = cause if cause in {"medical", "education"} else "other"
        inputs["temporary_assistance"] = {
            **base, "kind": kind, "cause": cause, "severity": d.get("ta_severity") or "general",
            "requested_amount_fen": fen(d["ta_requested"]), "household": household,
            "annual_income_fen": income * 12, "property": prop,
            "expenses": [{"kind": expense_kind, "amount_fen": fen(d.get("ta_expense"))}]
            if kind == "expense" and d.get("ta_expense") else [],
            "prior_grants_same_cause": d.get("ta_prior_grants") or 0,
            "difficulty_months": d.get("ta_difficulty_months") or 0,
            "stability_risk": bool(d.get("ta_stability_risk"))}
    if d.get("med_expense"):
        inputs["medical_assistance"] = {**base, "category": d.get("med_category") or "dibao",
                                        "eligible_expense_fen": fen(d["med_expense"]),
                                        "ytd_paid_fen": fen(d.get("med_ytd_paid"))}
    return inputs
