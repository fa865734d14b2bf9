"""How policy records read on pages and paper: the parameters a decision used (title, value in its
unit, region, version), and a version's citation without the shipped file's internal markers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from jijinan.policy.choices import Program
from jijinan.policy.models import ParameterDefinition
from jijinan.policy.values import display
from jijinan.regions.models import Region


@dataclass(frozen=True)
class UsedParameter:
    name: str  # the stable code, for the link to the parameter's page only
    label: str  # the parameter's title in the active language (its code when the definition is gone)
    value: str  # the value as it reads on screen: "945.00 元", "1–3 倍", "是"
    version_id: Any
    region_code: str
    region_name: str
    effective_from: date | None


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def used_parameters(records: list[dict[str, Any]]) -> list[UsedParameter]:
    """The parameter records a decision stored (name, version, region, stored value), as they read:
    two queries, whatever their number."""
    names = {str(r.get("name", "")) for r in records}
    definitions = {d.name: d for d in ParameterDefinition.objects.filter(name__in=names)}
    codes = {str(r.get("region_code", "")) for r in records}
    regions = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = []
    for r in records:
        name, code = str(r.get("name", "")), str(r.get("region_code", ""))
        definition = definitions.get(name)
        stored = r.get("value")
        if definition is None:
            label, value = name, "" if stored is None else str(stored)
        else:
            label = definition.display_label()
            value = "—" if stored is None else display(definition.kind, stored, definition.display_unit())
        rows.append(UsedParameter(name=name, label=label, value=value, version_id=r.get("version_id"),
                                  region_code=code, region_name=regions.get(code, code),
                                  effective_from=_day(r.get("effective_from"))))
    return rows


def parameter_titles(names: list[str]) -> dict[str, str]:
    """Each parameter's title in the active language, by its code (the code when it is unknown)."""
    found = {d.name: d.display_label() for d in ParameterDefinition.objects.filter(name__in=names)}
    return {name: found.get(name, name) for name in names}


def calculator_version_text(version: str) -> str:
    """The rules version a decision was computed with, as it reads: "temporary_assistance/1" →
    "临时救助 第 1 版" (an unknown form reads as it is)."""
    program, _slash, number = (version or "").partition("/")
    if not number or program not in Program.values:
        return version or ""
    return _("%(program)s 第 %(n)s 版") % {"program": Program(program).label, "n": number}


# The shipped defaults mark their figures for whoever maintains them: "（demo default）",
# "（other province）" and the section of the project's policy notes ("POLICY.md §10"). Pages
# show the basis as its own badge (演示默认值, 参照外省做法, 政策文件), so the citation leaves them out.
_MARKERS = (re.compile(r"\s*[（(](?:demo default|other province)[）)]", re.IGNORECASE),
            re.compile(r"POLICY\.md\s*§\s*\d+\s*[：:]?\s*"))


def citation_text(citation: str) -> str:
    """A citation as staff read it: "POLICY.md §10 演示默认值（demo default），待县（区）按本地标准替换"
    → "演示默认值，待县（区）按本地标准替换"; "（POLICY.md §1）" → nothing."""
    text = citation or ""
    for marker in _MARKERS:
        text = marker.sub("", text)
    text = re.sub(r"[（(]\s*[）)]", "", text).strip()
    if text.startswith("（") and text.endswith("）") and text.count("（") == text.count("）") and \
            _balanced_inside(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced_inside(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"（": 1, "）": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0
