"""Forms of the filing pages: regions picked (never typed codes), dates, the share in percent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.regions.pickers import AREA_LEVELS, RegionPickerField, bind_region_pickers
from jijinan.supervision.choices import CheckFinding, FilingStatus
from jijinan.supervision.filings.permissions import FILING_DRAW, FILING_VIEW
from jijinan.supervision.filings.services import NOTE_MAX, sample_rate


def _date(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class FilingFilterForm(forms.Form):
    q = forms.CharField(label=_("事项编号"), required=False, max_length=40)
    period_from = _date(_("备案日期从"))
    period_to = _date(_("备案日期至"))
    township = RegionPickerField(label=_("审批乡镇（街道）"), levels=AREA_LEVELS, action=FILING_VIEW, prefill=False,
                                 required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *FilingStatus.choices])
    finding = forms.ChoiceField(label=_("抽查结论"), required=False, choices=[("", _("全部")), *CheckFinding.choices])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_pickers(self, user, action=FILING_VIEW)


class DrawForm(forms.Form):
    county = RegionPickerField(label=_("县（区）"), levels=(RegionLevel.COUNTY,), action=FILING_DRAW)
    period_from = _date(_("备案起始日期"), required=True)
    period_to = _date(_("备案截止日期"), required=True)
    share_percent = forms.DecimalField(label=_("抽查比例（%）"), required=False, min_value=0, max_value=100,
                                       decimal_places=2, max_digits=5)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_pickers(self, user, action=FILING_DRAW)
        if not self.is_bound:  # this month so far, unless the user picks another period
            today = timezone.localdate()
            self.initial.setdefault("period_from", today.replace(day=1))
            self.initial.setdefault("period_to", today)
        county = Region.objects.filter(code=self.initial.get("county") or "").first()
        if county is not None:
            share, _parameters = sample_rate(county, timezone.now())
            shown = format(share.normalize(), "f")
            self.fields["share_percent"].help_text = _(
                "不填则按政策参数 %(share)s%%，至少抽取 1 件；抽取数向上取整") % {"share": shown}
        else:
            self.fields["share_percent"].help_text = _("不填则按所选县（区）的政策参数，至少抽取 1 件；抽取数向上取整")


class CheckForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    finding = forms.ChoiceField(label=_("抽查结论"), choices=CheckFinding.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("抽查意见"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}), help_text=_("存在问题的须写明发现的问题"))
