"""Forms of the workflow pages: one per move of the stage line, plus objections and close-relative
filings. Each carries the case's version in a hidden field and turns into the service's input;
the services do the real checks. Amounts are typed in 元 and become fen exactly (Decimal)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.cases.choices import (
    AidMethod,
    Appraisal,
    ApproverLevel,
    FollowUpMethod,
    ObjectionOutcome,
    PaymentStatus,
    Satisfaction,
)
from jijinan.cases.workflow.selectors import case_verification_reports
from jijinan.cases.workflow.services import ReviewInput
from jijinan.policy import calculators as calc
from jijinan.regions.choices import RegionLevel
from jijinan.regions.pickers import RegionPickerField

YUAN_MAX = Decimal("100000000.00")


def yuan_to_fen(value: Decimal) -> int:
    """元 with at most two decimals → integer fen, exactly (never through float)."""
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError("more than two decimals")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 11)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("max_value", YUAN_MAX)
        kwargs.setdefault("help_text", _("单位：元，最多两位小数"))
        super().__init__(**kwargs)


class VersionForm(forms.Form):
    """A move with nothing but an optional note."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class CloseForm(VersionForm):
    reason = forms.CharField(label=_("结案理由"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("有需求未转办任何部门时必填"))


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


KINDS = [(calc.AssistanceKind.EMERGENCY.value, _("急难型")), (calc.AssistanceKind.EXPENSE.value, _("支出型"))]
SEVERITIES = [(calc.Severity.GENERAL.value, _("一般")), (calc.Severity.SERIOUS.value, _("较重")),
              (calc.Severity.CRITICAL.value, _("严重"))]


# The causes the engine knows, by kind (left empty: from the case's categories), and the kinds of
# essential spending behind an expense-kind request.
CAUSES = [("", _("按急难类别确定")),
          (calc.Cause.ACCIDENT.value, _("意外事故")), (calc.Cause.FIRE.value, _("火灾")),
          (calc.Cause.SERIOUS_ILLNESS.value, _("重病")),
          (calc.Cause.BREADWINNER_LOSS.value, _("家庭主要劳动力死亡或失踪")),
          (calc.Cause.DISASTER.value, _("自然灾害")), (calc.Cause.MEDICAL.value, _("医疗支出")),
          (calc.Cause.EDUCATION.value, _("教育支出")), (calc.Cause.OTHER.value, _("其他"))]
EXPENSE_FIELDS = [("expense_medical", calc.Cause.MEDICAL.value), ("expense_education", calc.Cause.EDUCATION.value),
                  ("expense_other", calc.Cause.OTHER.value)]


class ReviewForm(forms.Form):
    """The township review, or the make-up review after a fast track (the fields of ReviewInput)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    opinion = forms.CharField(label=_("审核意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    requested_amount = YuanField(label=_("拟救助金额（元）"))
    kind = forms.ChoiceField(label=_("救助类型"), choices=KINDS, initial=calc.AssistanceKind.EMERGENCY.value)
    severity = forms.ChoiceField(label=_("困难程度"), choices=SEVERITIES, initial=calc.Severity.GENERAL.value)
    cause = forms.ChoiceField(label=_("救助原因"), choices=CAUSES, required=False)
    expense_medical = YuanField(label=_("医疗费用（元）"), required=False, help_text=_("支出型填写：自付的刚性支出"))
    expense_education = YuanField(label=_("教育费用（元）"), required=False, help_text=_("支出型填写"))
    expense_other = YuanField(label=_("其他刚性支出（元）"), required=False, help_text=_("支出型填写"))
    declared_income = YuanField(label=_("申请人月收入（元）"), required=False, min_value=Decimal(0),
                                help_text=_("申请人未登记家庭、申请支出型救助时填写；没有收入填 0"))
    declared_assets = YuanField(label=_("申请人存款等金融资产（元）"), required=False, min_value=Decimal(0),
                                help_text=_("申请人未登记家庭、申请支出型救助时填写；没有填 0"))
    declared_none = forms.BooleanField(label=_("申请人声明无收入、无财产"), required=False)
    difficulty_months = forms.IntegerField(label=_("困难持续月数"), min_value=0, max_value=120, initial=0,
                                           required=False)
    repeat_reason = forms.CharField(label=_("再次救助理由"), max_length=300, required=False)
    home_visit_on = forms.DateField(label=_("入户调查日期"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    home_visit_note = forms.CharField(label=_("入户调查情况"), max_length=2000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
    # Chosen from the household's issued reports (bind_case), never typed.
    verification_report_id = forms.TypedChoiceField(label=_("家庭经济状况核对报告"), coerce=int, empty_value=None,
                                                    required=False, choices=[("", _("不引用核对报告"))])
    appraisal = forms.ChoiceField(label=_("民主评议"), choices=Appraisal.choices, initial=Appraisal.NOT_USED)
    appraisal_note = forms.CharField(label=_("民主评议情况"), max_length=300, required=False)
    stability_risk = forms.BooleanField(label=_("有影响稳定的风险"), required=False,
                                        help_text=_("经调查判断存在群体性、极端或其他影响稳定的风险时勾选；"
                                                    "将报告协商，不论金额。危机个案本身不等于稳定风险"))
    stability_risk_reason = forms.CharField(label=_("稳定风险情况"), max_length=500, required=False,
                                            widget=forms.Textarea(attrs={"rows": 2}),
                                            help_text=_("勾选稳定风险时必填：风险情况和判断依据"))

    def bind_case(self, case: Any) -> None:
        """Offer the issued verification reports of the case's household (none without one)."""
        reports = case_verification_reports(case=case)
        field = self.fields["verification_report_id"]
        field.choices = [("", _("不引用核对报告"))] + [  # type: ignore[attr-defined]
            (r.pk, _("第%(n)s号，%(on)s 出具%(complete)s") % {
                "n": r.number, "on": r.issued_on.isoformat(),
                "complete": "" if r.complete else _("（部分来源未答复）")}) for r in reports]
        if not reports:
            field.help_text = _("该家庭还没有出具的核对报告")

    def _fen(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        return None if value is None else yuan_to_fen(value)

    def to_input(self) -> ReviewInput:
        d = self.cleaned_data
        expenses = [(kind, fen) for name, kind in EXPENSE_FIELDS if (fen := self._fen(name))]
        return ReviewInput(opinion=d["opinion"], requested_amount_fen=yuan_to_fen(d["requested_amount"]),
                           kind=d["kind"], severity=d["severity"], cause=d["cause"], expenses=expenses,
                           difficulty_months=d["difficulty_months"] or 0, repeat_reason=d["repeat_reason"],
                           home_visit_on=d["home_visit_on"], home_visit_note=d["home_visit_note"],
                           verification_report_id=d["verification_report_id"], appraisal=d["appraisal"],
                           appraisal_note=d["appraisal_note"], declared_monthly_income_fen=self._fen("declared_income"),
                           declared_assets_fen=self._fen("declared_assets"), declared_none=d["declared_none"],
                           stability_risk=d["stability_risk"], stability_risk_reason=d["stability_risk_reason"])


class ApproveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    amount = YuanField(label=_("审批金额（元）"), required=False,
                       help_text=_("不超过审核提出的金额；留空则按审核金额"))
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def bind_case(self, case: Any) -> None:
        """An amount above its band (within the cap) is approved with a written reason: the note
        becomes that reason, and says so before the approver sends the form."""
        result = case.decision.result if case.decision_id is not None else {}
        if result.get("band_reason_required") and case.approver_level != ApproverLevel.CONSULTATION:
            note = self.fields["note"]
            note.label = _("超出金额区间审批的理由")
            note.help_text = _("拟救助金额超出该类救助的金额区间（未超过上限），须写明超出区间审批的理由")
            note.widget = forms.Textarea(attrs={"rows": 2, "aria-required": "true"})
            self.band_reason_required = True

    def amount_fen(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        return None if amount is None else yuan_to_fen(amount)


class PayForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    amount = YuanField(label=_("金额（元）"))
    method = forms.ChoiceField(label=_("发放方式"), choices=AidMethod.choices)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def amount_fen(self) -> int:
        return yuan_to_fen(self.cleaned_data["amount"])


class AssistForm(PayForm):
    instalments = forms.IntegerField(label=_("按月分期数"), min_value=1, max_value=12, initial=1, required=False,
                                     help_text=_("困难持续较长时按月发放，不跨自然年"))


class PaymentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("发放结果"), choices=[
        (PaymentStatus.PAID.value, PaymentStatus.PAID.label), (PaymentStatus.FAILED.value, PaymentStatus.FAILED.label),
        (PaymentStatus.RETURNED.value, PaymentStatus.RETURNED.label)])
    reference = forms.CharField(label=_("支付凭证号"), max_length=80, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class FastTrackForm(PayForm):
    severity = forms.ChoiceField(label=_("困难程度"), choices=SEVERITIES, initial=calc.Severity.GENERAL.value)


class TransferForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # The receiving township may lie anywhere: a transfer hands the case to another jurisdiction.
    to_region_code = RegionPickerField(label=_("转往乡镇（街道）"), levels=[RegionLevel.TOWNSHIP], action=None)
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


# Which form each move of the table takes.
FORMS: dict[str, type[forms.Form]] = {
    "report": VersionForm, "accept": VersionForm, "not_accept": ReasonForm, "review": ReviewForm,
    "send_back": ReasonForm, "approve": ApproveForm, "deny": ReasonForm, "fast_track": FastTrackForm,
    "makeup_review": ReviewForm, "makeup_approve": VersionForm, "assist": AssistForm, "follow_up": VersionForm,
    "close": CloseForm, "reopen": ReasonForm, "reconsider": ReasonForm, "transfer": TransferForm,
    "transfer_accept": VersionForm, "transfer_refuse": ReasonForm,
}


def action_form(name: str, data: Any = None, *, version: int | None = None,
                initial: dict[str, Any] | None = None, case: Any = None) -> forms.Form:
    """The form of move ``name``, prefixed with its name so that many fit on one page; a form whose
    choices depend on the case (``bind_case``) gets them from ``case``."""
    form = FORMS[name](data, prefix=name, initial={"version": version, **(initial or {})})
    if case is not None and hasattr(form, "bind_case"):
        form.bind_case(case)
    return form


class FollowUpForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.ChoiceField(label=_("回访方式"), choices=FollowUpMethod.choices)
    done_on = forms.DateField(label=_("回访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.CharField(label=_("回访情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    satisfaction = forms.TypedChoiceField(label=_("满意度"), choices=Satisfaction.choices, coerce=int)
    need_resolved = forms.TypedChoiceField(label=_("困难是否已解决"), coerce=lambda v: v == "yes",
                                           choices=[("yes", _("已解决")), ("no", _("仍未解决"))])
    unresolved_needs = forms.MultipleChoiceField(label=_("仍未解决的需求"), required=False,
                                                 widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, needs: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unresolved_needs"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = needs or []


class ObjectionForm(forms.Form):
    raised_by = forms.CharField(label=_("异议人"), max_length=50, required=False)
    text = forms.CharField(label=_("异议内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=ObjectionOutcome.choices)
    resolution = forms.CharField(label=_("核实情况"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class FilingSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名"), max_length=50, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("active", _("有效")), ("retired", _("已撤销")), ("all", _("全部"))])


class FilingForm(forms.Form):
    person_id = forms.IntegerField(label=_("救助对象编号"), min_value=1, required=False)
    id_number = forms.CharField(label=_("或身份证号"), max_length=30, required=False,
                                help_text=_("不知道编号时，填写身份证号查找"))
    relative_name = forms.CharField(label=_("工作人员或干部姓名"), max_length=50)
    relative_post = forms.CharField(label=_("职务"), max_length=50)
    relation = forms.CharField(label=_("亲属关系"), max_length=30)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person_id") and not (data.get("id_number") or "").strip():
            self.add_error("person_id", _("请填写救助对象编号或身份证号"))
        return data


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=300)
