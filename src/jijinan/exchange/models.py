"""Import batches of department files, their row errors, the department records they brought in,
and what each batch created in the registry (so that undo can take exactly that away)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.core.protected.fields import EncryptedTextField
from jijinan.exchange.choices import BatchMode, BatchStatus, CreatedKind, ImportTarget, Linkage

RECORD_ID_NUMBER_PURPOSE = "exchange.record.id_number"


class ImportBatch(models.Model):
    """One file imported for one source: validated, then committed or discarded, maybe undone."""

    source = models.CharField(_("数据来源"), max_length=40)
    source_name = models.CharField(_("数据来源名称"), max_length=100)
    target = models.CharField(_("导入对象"), max_length=20, choices=ImportTarget.choices)
    department_type = models.ForeignKey("accounts.DepartmentType", verbose_name=_("报送部门"),
                                        on_delete=models.PROTECT, related_name="+")
    # The importer's scope applies here: every row must lie inside this region.
    region = models.ForeignKey("regions.Region", verbose_name=_("导入区划"), on_delete=models.PROTECT,
                               related_name="+")
    file_name = models.CharField(_("文件名"), max_length=255)
    file_format = models.CharField(_("文件格式"), max_length=10, blank=True)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    mode = models.CharField(_("导入方式"), max_length=20, choices=BatchMode.choices,
                            default=BatchMode.ALL_OR_NOTHING)
    status = models.CharField(_("状态"), max_length=20, choices=BatchStatus.choices,
                              default=BatchStatus.VALIDATING)
    file_error = models.TextField(_("文件错误"), blank=True)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已校验行数"), default=0)
    rows_valid = models.PositiveIntegerField(_("正确行数"), default=0)
    rows_error = models.PositiveIntegerField(_("错误行数"), default=0)
    rows_written = models.PositiveIntegerField(_("已导入行数"), default=0)
    rows_matched = models.PositiveIntegerField(_("已关联行数"), default=0)
    rows_unlinked = models.PositiveIntegerField(_("待关联行数"), default=0)
    persons_created = models.PositiveIntegerField(_("新登记人员"), default=0)
    memberships_created = models.PositiveIntegerField(_("新登记项目记录"), default=0)
    preview = models.JSONField(_("预览"), default=list, blank=True)
    dry_run = models.BooleanField(_("仅校验"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    validated_at = models.DateTimeField(_("校验完成时间"), null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    undo_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "-created_at"], name="exchange_batch_source_idx")]

    def __str__(self) -> str:
        return f"{self.source_name} · {self.file_name}"

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 100 if self.status != BatchStatus.VALIDATING else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class ImportRowError(models.Model):
    """One problem of a batch's file: the row (the header is row 1; 0 for the file), column, reason."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.CASCADE,
                              related_name="row_errors")
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=100, blank=True)
    reason = models.CharField(_("原因"), max_length=500)

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["batch_id", "row", "id"]
        indexes = [models.Index(fields=["batch", "row"], name="exchange_rowerror_batch_idx")]

    def __str__(self) -> str:
        return f"{self.row} {self.column}: {self.reason}"


class DepartmentRecord(models.Model):
    """One row of a department's file as stored: linked to a registry person by ID number, or
    kept unlinked until a person is confirmed for it."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.PROTECT,
                              related_name="records")
    source = models.CharField(_("数据来源"), max_length=40)
    kind = models.CharField(_("记录类型"), max_length=40)
    person = models.ForeignKey("registry.Person", verbose_name=_("救助对象"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    id_number = EncryptedTextField(_("身份证号"), purpose=RECORD_ID_NUMBER_PURPOSE, mask="id_number",
                                   null=True, blank=True)
    # Blind index under the registry's purpose, so a record meets its person by an equal index.
    id_number_index = models.CharField(_("身份证号索引"), max_length=64, blank=True)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    event_date = models.DateField(_("发生日期"), null=True, blank=True)
    amount_fen = models.BigIntegerField(_("金额（分）"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12)
    data = models.JSONField(_("其他字段"), default=dict, blank=True)
    linkage = models.CharField(_("关联状态"), max_length=10, choices=Linkage.choices)
    row_number = models.PositiveIntegerField(_("文件行号"))
    created_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("部门数据记录")
        verbose_name_plural = _("部门数据记录")
        ordering = ["batch_id", "row_number"]
        indexes = [
            models.Index(fields=["batch", "row_number"], name="exchange_record_batch_idx"),
            models.Index(fields=["id_number_index"], name="exchange_record_idx_idx"),
            models.Index(fields=["kind", "event_date"], name="exchange_record_kind_idx"),
            models.Index(fields=["linkage", "region_code"], name="exchange_record_link_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.name or self.pk}"


class BatchCreated(models.Model):
    """A registry record a batch created, with the version it had then (undo checks it)."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.PROTECT,
                              related_name="created_objects")
    kind = models.CharField(_("类型"), max_length=20, choices=CreatedKind.choices)
    object_id = models.BigIntegerField(_("记录编号"))

    class Meta:
        verbose_name = _("批次新建的记录")
        verbose_name_plural = _("批次新建的记录")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="exchange_created_once")]
        indexes = [models.Index(fields=["batch", "kind"], name="exchange_created_batch_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
