"""Enumerations of regions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村（社区）")


# Significant digits of a 12-digit statistical code at each level: the code of every region
# below starts with these digits, so a subtree is a prefix match on an indexed column.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_ORDER = list(PREFIX_LENGTH)


def level_of_code(code: str) -> RegionLevel:
    """The level a well-formed 12-digit code denotes by its trailing zeros."""
    for level, length in PREFIX_LENGTH.items():
        if code[length:].strip("0") == "":
            return level
    return RegionLevel.VILLAGE
