"""The filter form of the audit pages."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.apps import apps as django_apps
from django.utils.translation import gettext_lazy as _

from jijinan.audit.choices import AccessKind, AuditOutcome
from jijinan.audit.labels import action_label, known_actions
from jijinan.audit.selectors import AuditFilters

_CODE = re.compile(r"[a-z0-9_.]{1,100}")


def _flat(choices: list[Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for value, label in choices:
        out.extend(label if isinstance(label, (list, tuple)) else [(value, label)])
    return out


def _app_name(label: str) -> str:
    try:
        return str(django_apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


def action_choices() -> list[Any]:
    """Every named action, by its name, grouped by app; each group starts with "every action of this
    app" (the filter is a prefix of the code)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in known_actions():
        groups.setdefault(code.split(".", 1)[0], []).append((code, action_label(code)))
    choices: list[Any] = [("", _("全部"))]
    for app in sorted(groups):
        name = _app_name(app)
        choices.append((name, [(f"{app}.", _("%(app)s：全部操作") % {"app": name}),
                               *sorted(groups[app], key=lambda c: c[1])]))
    return choices


def subject_type_choices() -> list[Any]:
    """The kinds of record events are about: the models of the platform's apps, by their names."""
    models = [m for m in django_apps.get_models() if m.__module__.startswith("jijinan.")]
    return [("", _("全部")), *sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in models),
                                     key=lambda c: c[1])]


class AuditFilterForm(forms.Form):
    subject_type = forms.ChoiceField(label=_("对象类型"), required=False)
    subject_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    actor = forms.CharField(label=_("操作人（姓名或用户名）"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    outcome = forms.ChoiceField(label=_("结果"), required=False,
                                choices=[("", _("全部")), *AuditOutcome.choices])
    kind = forms.ChoiceField(label=_("方式"), required=False,
                             choices=[("", _("全部")), *AccessKind.choices])
    date_from = forms.DateField(label=_("起始日期"), required=False,
                                error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})
    date_to = forms.DateField(label=_("截止日期"), required=False,
                              error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (("action", action_choices()), ("subject_type", subject_type_choices())):
            # A value from a link that no list names (an action or a type of an app removed since) is
            # kept as it is, so that following the link still filters.
            given = (self.data.get(name) or "").strip() if self.is_bound else ""
            if given and not any(given == v for v, _label in _flat(choices)) and _CODE.fullmatch(given):
                choices = [*choices, (given, given)]
            self.fields[name].choices = choices  # type: ignore[attr-defined]

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
