"""The region picker: a form field whose widget is a search box (name or pinyin) and radio inputs.

The results are radio inputs carrying the form field's own name, so the form itself submits the
chosen code and the page works without script too (type, submit, pick). With htmx the results
follow the typing. Searches and choices are limited to the user's area for the action the form
serves (``action=None``: anywhere, for public forms) and to the levels the form needs; the field
checks all of it again on submit, as an error on the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from jijinan.core.permissions import ScopePaths, restrict
from jijinan.core.pinyin import pinyin_query
from jijinan.regions.choices import LEVEL_ORDER, RegionLevel
from jijinan.regions.models import Region

PICK_LIMIT = 20
AREA_PATHS = ScopePaths(region_code="code")
# The level a field is pre-filled at: a user's own township first.
PREFILL_ORDER = [RegionLevel.TOWNSHIP, RegionLevel.COUNTY, RegionLevel.VILLAGE, RegionLevel.CITY,
                 RegionLevel.PROVINCE]
TOWNSHIP_OR_VILLAGE = (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
# A list narrowed to a part of the user's area: any level below the province.
AREA_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
ALL_LEVELS = tuple(LEVEL_ORDER)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class PickedRegion:
    code: str
    name: str
    level: str
    path: str  # 南京市 玄武区 梅园新村街道 (the province left out: every region is in it)

    @property
    def level_label(self) -> str:
        return str(RegionLevel(self.level).label)


@dataclass(frozen=True)
class PickResult:
    regions: list[PickedRegion]
    more: bool  # more matched than are shown
    outside: bool  # nothing in the area, but regions outside it match


def region_area(*, user: Any, action: str | None) -> QuerySet[Region]:
    """The regions in use the user may choose for ``action`` (every one when ``action`` is None)."""
    regions = Region.objects.filter(valid_to__isnull=True)
    if action is None:
        return regions
    return restrict(regions, user, action, AREA_PATHS)


def _matching(regions: QuerySet[Region], q: str) -> QuerySet[Region]:
    """The regions whose name holds ``q``, or whose pinyin or initials start with it; best first."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", q))
    if not text:
        return regions.none()
    if text.isdigit():
        return regions.filter(code__startswith=text).order_by("code")
    if _CJK.search(text):
        condition = Q(name__contains=text)
        rank = Case(When(name=text, then=Value(0)), When(name__startswith=text, then=Value(1)),
                    default=Value(2), output_field=IntegerField())
    else:
        key = pinyin_query(text)
        if not key:
            return regions.none()
        condition = Q(name_pinyin__startswith=key) | Q(name_initials__startswith=key)
        if len(key) >= 3:
            condition |= Q(name_pinyin__contains=key)
        rank = Case(When(Q(name_pinyin__startswith=key) | Q(name_initials__startswith=key), then=Value(1)),
                    default=Value(2), output_field=IntegerField())
    return regions.filter(condition).annotate(rank=rank).order_by("rank", "code")


def region_paths(regions: Iterable[Region]) -> list[PickedRegion]:
    """The regions with their paths from the city down, in one query for all the ancestors."""
    regions = list(regions)
    wanted = {r.code[:n].ljust(12, "0") for r in regions for n in (4, 6, 9)}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
    out = []
    for r in regions:
        depth = LEVEL_ORDER.index(RegionLevel(r.level))
        above = [names.get(r.code[:n].ljust(12, "0")) for n in (4, 6, 9)[:max(depth - 1, 0)]]
        out.append(PickedRegion(r.code, r.name, r.level, " ".join([*(a for a in above if a), r.name])))
    return out


def region_label(*, code: str) -> str:
    """A region as its path, for a page or a file header; the code itself when it is unknown."""
    region = Region.objects.filter(code=code).first()
    return region_paths([region])[0].path if region is not None else code


def region_pick_search(*, user: Any, action: str | None, levels: Sequence[str], q: str) -> PickResult:
    """The regions matching ``q`` by name, full pinyin, initials (or code), in the user's area."""
    found = _matching(region_area(user=user, action=action).filter(level__in=levels), q)
    rows = list(found[:PICK_LIMIT + 1])
    outside = False
    if not rows and action is not None and q.strip():
        outside = _matching(Region.objects.filter(valid_to__isnull=True, level__in=levels), q).exists()
    return PickResult(region_paths(rows[:PICK_LIMIT]), len(rows) > PICK_LIMIT, outside)


def region_pick_choosable(*, code: str, user: Any, action: str | None, levels: Sequence[str]
                          ) -> PickedRegion | None:
    """The region of ``code`` with its path when it may be chosen here, else None."""
    if not code.isdigit():
        return None
    region = region_area(user=user, action=action).filter(code=code, level__in=levels).first()
    return region_paths([region])[0] if region is not None else None


def region_pick_prefill(*, user: Any, action: str | None, levels: Sequence[str]) -> str | None:
    """The user's own township (or county …): the one region of that level in their area."""
    if action is None or not getattr(user, "is_authenticated", False):
        return None
    level = next((lv for lv in PREFILL_ORDER if lv in levels), None)
    if level is None:
        return None
    codes = list(region_area(user=user, action=action).filter(level=level).values_list("code", flat=True)[:2])
    return codes[0] if len(codes) == 1 else None


def _levels_text(levels: Sequence[str]) -> str:
    return _("或").join(str(RegionLevel(lv).label) for lv in LEVEL_ORDER if lv in levels)


def region_pick_check(*, code: str, user: Any, action: str | None, levels: Sequence[str]) -> Region:
    """The chosen region, or a ValidationError saying in words what is wrong with the choice (one query)."""
    regions = Region.objects.select_related("successor").filter(code=code)
    if action is not None:
        regions = regions.annotate(in_area=Exists(region_area(user=user, action=action).filter(pk=OuterRef("pk"))))
    region = regions.first() if code.isdigit() else None
    if region is None:
        raise forms.ValidationError(_("所选区划不存在，请重新查找并选择"), code="unknown")
    if region.valid_to is not None:
        if region.successor is not None:
            raise forms.ValidationError(_("%(name)s 已停用，请改选 %(successor)s") % {
                "name": region.name, "successor": region.successor.name}, code="retired")
        raise forms.ValidationError(_("%(name)s 已停用，请重新选择") % {"name": region.name}, code="retired")
    if region.level not in levels:
        raise forms.ValidationError(_("请选择%(levels)s，%(name)s 是%(level)s") % {
            "levels": _levels_text(levels), "name": region.name, "level": RegionLevel(region.level).label},
            code="level")
    if action is not None and not region.in_area:  # type: ignore[attr-defined]
        raise forms.ValidationError(_("%(name)s 不在您的工作范围内，请选择您工作范围内的区划") % {
            "name": region.name}, code="out_of_area")
    return region


def pick_url(*, name: str, widget_id: str, levels: Sequence[str], action: str | None) -> str:
    params = {"name": name, "id": widget_id, "levels": ",".join(levels)}
    if action:
        params["action"] = action
    return reverse("regions:pick") + "?" + urlencode(params)


class RegionPickerWidget(forms.Widget):
    """A search box, and the current choice and the results as radio inputs of the field's name."""

    def __init__(self, *, levels: Sequence[str], action: str | None, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.levels = tuple(levels)
        self.action = action
        self.user: Any = None
        self.query = ""
        self.picked: Region | None = None  # the region the field cleaned to: shown without asking again

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_q" if id_ else ""

    def use_required_attribute(self, initial: Any) -> bool:
        return False

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        self.query = (data.get(f"{name}__q") or "").strip()[:50]
        return data.get(name)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        widget_id = attrs.get("id") or f"id_{name}"
        code = str(value or "")
        # A choice is shown again only when it could be chosen; otherwise the field error says why.
        if self.picked is not None and self.picked.code == code:
            chosen: PickedRegion | None = region_paths([self.picked])[0]
        else:
            chosen = region_pick_choosable(code=code, user=self.user, action=self.action, levels=self.levels)
        result = None
        if self.query:
            result = region_pick_search(user=self.user, action=self.action, levels=self.levels, q=self.query)
        context = picker_results_context(name=name, widget_id=widget_id, chosen=chosen, result=result,
                                         query=self.query, levels=self.levels)
        context.update(
            query=self.query, describedby=attrs.get("aria-describedby", ""),
            url=pick_url(name=name, widget_id=widget_id, levels=self.levels, action=self.action))
        return mark_safe(render_to_string("regions/pickers/region_picker.html", context))  # noqa: S308


def picker_results_context(*, name: str, widget_id: str, chosen: PickedRegion | None,
                           result: PickResult | None, query: str, levels: Sequence[str]) -> dict[str, Any]:
    """What the results part of the picker shows: the choice first, then what matched."""
    regions = list(result.regions) if result is not None else []
    if chosen is not None:
        regions = [chosen, *(r for r in regions if r.code != chosen.code)]
    if result is None:
        status = ""
    elif not result.regions and result.outside:
        status = _("与“%(q)s”相符的区划不在您的工作范围内") % {"q": query}
    elif not result.regions:
        status = _("没有与“%(q)s”相符的%(levels)s") % {"q": query, "levels": _levels_text(levels)}
    elif result.more:
        status = _("显示前 %(n)s 个结果，输入更多文字可缩小范围") % {"n": PICK_LIMIT}
    else:
        status = _("找到 %(n)s 个结果") % {"n": len(result.regions)}
    return {"name": name, "widget_id": widget_id, "regions": regions,
            "chosen_code": chosen.code if chosen else "", "status": status,
            "problem": result is not None and not result.regions}


class RegionPickerField(forms.CharField):
    """A region chosen with the picker; cleans to its 12-digit code (what services and APIs take).

    ``levels``: the levels the form accepts. ``action``: the permission action whose area limits
    the choice (None: anywhere, on public forms). ``prefill``: start with the user's own township
    (or county …) when their area holds exactly one (off for list filters).
    """

    def __init__(self, *, levels: Sequence[str], action: str | None, prefill: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs["widget"] = RegionPickerWidget(levels=levels, action=action)
        super().__init__(**kwargs)
        self.prefill = prefill
        if self.error_messages.get("required") == forms.Field.default_error_messages["required"]:
            self.error_messages["required"] = lazy(_required_message, str)()

    def clean(self, value: Any) -> Any:
        widget = self.widget
        assert isinstance(widget, RegionPickerWidget)
        value = (value or "").strip()
        if not value:
            if widget.query:
                raise forms.ValidationError(_("请在查找结果中选择一项"), code="not_chosen")
            return super().clean(value)
        super().clean(value)
        widget.picked = region_pick_check(code=value, user=widget.user, action=widget.action, levels=widget.levels)
        return widget.picked.code


def _required_message() -> str:
    return _("请输入名称或拼音查找，并在结果中选择一项")


def bind_region_pickers(form: forms.BaseForm, user: Any, *, action: str | None = None) -> forms.BaseForm:
    """Give the form's region pickers the user whose area limits them (and the page's own action,
    when one form serves pages of different actions), and pre-fill an unbound form with the user's
    own township where the area holds exactly one."""
    for name, field in form.fields.items():
        if not isinstance(field, RegionPickerField):
            continue
        widget = field.widget
        assert isinstance(widget, RegionPickerWidget)
        widget.user = user
        if action is not None and widget.action is not None:
            widget.action = action
        if field.prefill and not form.is_bound and not form.initial.get(name) and not field.initial:
            code = region_pick_prefill(user=user, action=widget.action, levels=widget.levels)
            if code:
                form.initial[name] = code
    return form
