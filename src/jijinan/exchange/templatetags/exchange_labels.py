"""`{% load exchange_labels %}`: a department type's name (卫健, 应急管理) in place of its code."""

from __future__ import annotations

from django import template

from jijinan.accounts.models import DepartmentType
from jijinan.core.vocabulary import in_active_language

register = template.Library()


@register.simple_tag(takes_context=True)
def department_name(context: template.Context, code: str) -> str:
    """The name of the department type ``code`` in the active language (read once per page)."""
    names = context.render_context.get("department_names")
    if names is None:
        names = {d.code: in_active_language(d.name, d.name_en) for d in DepartmentType.objects.all()}
        context.render_context["department_names"] = names
    return names.get(code, code)
