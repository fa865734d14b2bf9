"""The filter form of the audit pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.audit.choices import AccessKind, AuditOutcome
from jijinan.audit.selectors import AuditFilters


class AuditFilterForm(forms.Form):
    subject_type = forms.CharField(label=_("对象类型"), required=False, max_length=100)
    subject_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_("操作代码"), required=False, max_length=100)
    outcome = forms.ChoiceField(label=_("结果"), required=False,
                                choices=[("", _("全部")), *AuditOutcome.choices])
    kind = forms.ChoiceField(label=_("方式"), required=False,
                             choices=[("", _("全部")), *AccessKind.choices])
    date_from = forms.DateField(label=_("起始日期"), required=False,
                                error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})
    date_to = forms.DateField(label=_("截止日期"), required=False,
                              error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def filters(self) -> AuditFilters:
        """The valid fields only: a bad one is reported on the form and not applied."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return AuditFilters(
            subject_type=data.get("subject_type", ""), subject_id=data.get("subject_id", ""),
            actor=data.get("actor", ""), action=data.get("action", ""),
            outcome=data.get("outcome", ""), kind=data.get("kind", ""),
            date_from=data.get("date_from"), date_to=data.get("date_to"),
        )
