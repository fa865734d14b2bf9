"""Configurable word lists (case categories, need types, department types, program types) and the
choice between a stored Chinese word and its English one."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def english_active() -> bool:
    """Whether the active language is English (any ``en`` variant)."""
    return (get_language() or "").startswith("en")


def in_active_language(text: str, text_en: str) -> str:
    """``text_en`` when the active language is English and it is set, otherwise ``text``: Chinese
    first, and an English word left empty falls back to the Chinese one."""
    return text_en if text_en and english_active() else text


class Vocabulary(models.Model):
    """A table an administrator extends instead of a list in code: records keep its ``code``, pages
    show its ``name``. A retired entry stays (``active`` false) so old records still read."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The entry's name in the active language: the English name in English when it is set,
        else the stored Chinese name (an entry an administrator added without one)."""
        return in_active_language(self.name, self.name_en)


def vocabulary_labels(model: type[Vocabulary], codes: Iterable[str] | None = None) -> dict[str, str]:
    """Code → name in the active language for a word list, in one query (only ``codes`` if given)."""
    rows = model._default_manager.all()
    if codes is not None:
        rows = rows.filter(code__in=list(codes))
    return {code: in_active_language(name, name_en)
            for code, name, name_en in rows.values_list("code", "name", "name_en")}
