"""The token table of keyword search."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# One row per searchable subject, holding its text pre-split into single characters, bigrams and
# words (textsearch.py). The database's own full-text index is built over those tokens:
# an FTS5 table on SQLite, a GIN index over a tsvector expression on PostgreSQL (migration 0005).


class SearchEntry(models.Model):
    """The searchable text of one subject (a case, a household …), as tokens."""

    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象编号"), max_length=64)
    region_code = models.CharField(_("所属区划代码"), max_length=12, blank=True, db_index=True)
    text_tokens = models.TextField(_("检索词"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        constraints = [models.UniqueConstraint(fields=["subject_type", "subject_id"],
                                               name="core_searchentry_subject_unique")]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id}"
