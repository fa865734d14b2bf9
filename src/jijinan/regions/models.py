"""The administrative division tree; retired codes stay, pointing to their successor."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jijinan.regions.choices import PREFIX_LENGTH, RegionLevel


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True,
                            help_text=_("12 位统计用区划代码"))
    name = models.CharField(_("名称"), max_length=100)
    # Search keys of the name for the region pickers (see jijinan.core.pinyin), set on load.
    name_pinyin = models.CharField(_("名称拼音"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("名称拼音首字母"), max_length=60, blank=True, db_index=True)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    # The significant digits of the code (see PREFIX_LENGTH): the subtree filter.
    prefix = models.CharField(_("代码前缀"), max_length=12, db_index=True)
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)
    population_synthetic = models.BooleanField(_("人口为演示数据"), default=False)
    synthetic = models.BooleanField(_("演示区划"), default=False,
                                    help_text=_("演示用的合成村（社区），非官方代码"))
    valid_from = models.DateField(_("启用日期"))
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    successor = models.ForeignKey("self", verbose_name=_("继任区划"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="predecessors")
    source = models.CharField(_("来源"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="regions_level_code_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_retired(self) -> bool:
        return self.valid_to is not None

    @property
    def depth(self) -> int:
        return list(PREFIX_LENGTH).index(RegionLevel(self.level))
