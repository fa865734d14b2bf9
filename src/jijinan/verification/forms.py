"""Forms of the verification pages; the entry form of a result is built from the source's fields."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.regions.pickers import AREA_LEVELS, RegionPickerField
from jijinan.verification.choices import AuthorisationMethod, RequestStatus, Source, VehicleUse
from jijinan.verification.documents import MAX_DOCUMENT_BYTES
from jijinan.verification.permissions import VERIFICATION_VIEW
from jijinan.verification.sources import SPECS, FieldSpec, Kind

ITEM_ROWS = 5  # rows offered for homes or vehicles; a source with more is imported as CSV
ALL_SOURCES = "all"


class AuthorisationForm(forms.Form):
    signed_on = forms.DateField(label=_("签署日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("授权方式"), choices=AuthorisationMethod.choices,
                               widget=forms.RadioSelect, initial=AuthorisationMethod.SCANNED)
    signatories = forms.TypedMultipleChoiceField(label=_("签字人"), coerce=int, widget=forms.CheckboxSelectMultiple,
                                                 help_text=_("年满 18 周岁的家庭成员均须签字"))
    document = forms.FileField(label=_("授权书扫描件（PDF、JPEG 或 PNG）"), required=False,
                               help_text=_("不超过 %(mb)s MB") % {"mb": MAX_DOCUMENT_BYTES // (1024 * 1024)})
    signature = forms.CharField(label=_("屏幕签名"), required=False, widget=forms.HiddenInput(
        attrs={"data-signature-input": "1"}))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["signatories"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = members or []


class RevokeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class RequestForm(forms.Form):
    source = forms.ChoiceField(label=_("数据来源"), choices=[(ALL_SOURCES, _("全部十个来源")), *Source.choices])
    purpose = forms.CharField(label=_("核对用途"), max_length=100, initial=_("社会救助申请"))


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("原因"), max_length=200)


class ReportForm(forms.Form):
    close_missing = forms.BooleanField(label=_("不再等待未答复的来源"), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ImportForm(forms.Form):
    source = forms.ChoiceField(label=_("数据来源"), choices=Source.choices)
    file = forms.FileField(label=_("CSV 文件"))


class RequestFilterForm(forms.Form):
    source = forms.ChoiceField(label=_("数据来源"), required=False,
                               choices=[("", _("全部")), *Source.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, initial=RequestStatus.PENDING,
                               choices=[("", _("全部")), *RequestStatus.choices])
    region = RegionPickerField(label=_("区划"), levels=AREA_LEVELS, action=VERIFICATION_VIEW, prefill=False,
                               required=False)


def _field(spec: FieldSpec, *, required: bool) -> forms.Field:
    label = str(spec.label)  # built per request, in the request's language
    if spec.kind == Kind.FEN:
        return forms.DecimalField(label=label.replace("（分）", "（元）"), min_value=0, max_digits=13,
                                  decimal_places=2, required=False, initial=0)
    if spec.kind == Kind.BOOL:
        return forms.BooleanField(label=label, required=False)
    if spec.kind == Kind.AREA:
        return forms.DecimalField(label=label, min_value=Decimal("0.01"), max_digits=8, decimal_places=2,
                                  required=False)
    if spec.kind == Kind.DATE:
        return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
    if spec.kind == Kind.USE:
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *VehicleUse.choices])
    return forms.CharField(label=label, max_length=200, required=False)


class ResultForm(forms.Form):
    """Typed fields of one source; homes and vehicles get ``ITEM_ROWS`` rows, blank rows ignored.
    Money is typed in yuan and kept in fen."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = SPECS[source]
        for f in self.spec.scalars:
            self.fields[f.name] = _field(f, required=False)
        for i in range(ITEM_ROWS):
            for f in self.spec.items:
                self.fields[f"{self.spec.list_key}_{i}_{f.name}"] = _field(f, required=False)

    def scalar_fields(self) -> list[forms.BoundField]:
        return [self[f.name] for f in self.spec.scalars]

    def item_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"{self.spec.list_key}_{i}_{f.name}"] for f in self.spec.items] for i in range(ITEM_ROWS)]

    def to_facts(self) -> dict[str, Any]:
        d = self.cleaned_data
        facts: dict[str, Any] = {}
        for f in self.spec.scalars:
            value = d.get(f.name)
            if f.kind == Kind.FEN:
                facts[f.name] = int((value or Decimal(0)).quantize(Decimal("0.01"), ROUND_HALF_UP) * 100)
            else:
                facts[f.name] = value if value is not None else ""
        if self.spec.list_key:
            items = []
            for i in range(ITEM_ROWS):
                raw = {f.name: d.get(f"{self.spec.list_key}_{i}_{f.name}") for f in self.spec.items}
                if not any(v not in (None, "") for v in raw.values()):
                    continue
                items.append({k: (v.isoformat() if isinstance(v, date) else ("" if v is None else str(v)))
                              for k, v in raw.items()})
            facts[self.spec.list_key] = items
        return facts

    def field_name(self, api_name: str) -> str:
        """A service's field name (``homes[1].floor_area_m2``) as this form's."""
        if "[" in api_name:
            key, rest = api_name.split("[", 1)
            index, name = rest.split("].", 1) if "]." in rest else (rest.rstrip("]"), "")
            return f"{key}_{index}_{name}"
        return api_name
