"""Enumerations of accounts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    CIVIL_AFFAIRS_OFFICE = "civil_affairs_office", _("民政部门")
    DEPARTMENT_OFFICE = "department_office", _("部门机构")
    # The people's government of a township, county or city (its office): where government
    # leaders sit, who chair consultations on escalated cases.
    GOVERNMENT_OFFICE = "government_office", _("人民政府（办公室）")
    RELIEF_STATION = "relief_station", _("救助管理站")
    PARTNER = "partner", _("合作组织")
