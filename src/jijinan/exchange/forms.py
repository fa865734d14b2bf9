"""Forms of the exchange pages: upload a file, confirm a batch, undo a batch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.exchange.choices import BatchMode
from jijinan.exchange.permissions import BATCH_IMPORT
from jijinan.regions.pickers import ALL_LEVELS, RegionPickerField, bind_region_pickers


class UploadForm(forms.Form):
    source = forms.ChoiceField(label=_("数据来源"))
    region_code = RegionPickerField(label=_("导入区划"), levels=ALL_LEVELS, action=BATCH_IMPORT,
                                    help_text=_("文件中每一行都须在此区划内"))
    mode = forms.ChoiceField(label=_("导入方式"), choices=BatchMode.choices, initial=BatchMode.ALL_OR_NOTHING)
    file = forms.FileField(label=_("文件（CSV 或 .xlsx）"))

    def __init__(self, *args: Any, sources: list[tuple[str, str]], user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = sources  # type: ignore[attr-defined]
        bind_region_pickers(self, user)


class ConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(label=_("导入方式"), choices=BatchMode.choices)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class UndoForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("撤销原因"), max_length=200)
    confirm = forms.BooleanField(label=_("我已确认：撤销将删除本批次导入的全部记录及新登记的人员和项目记录"))
