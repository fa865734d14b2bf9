"""Staff accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff account; organisation membership and grants are added by the access model."""

    full_name = models.CharField(_("姓名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def display_name(self) -> str:
        return self.full_name or self.get_username()
