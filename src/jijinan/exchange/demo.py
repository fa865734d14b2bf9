"""Demo data of the exchange app: small department files for three sources, imported through the
same path as `jijinan import`, so the batch history shows matched and unlinked records."""

from __future__ import annotations

import tempfile
from pathlib import Path

from jijinan.core.demo import DemoContext, demo_step
from jijinan.exchange.choices import BatchMode
from jijinan.exchange.models import ImportBatch
from jijinan.exchange.reading import csv_bytes

XUANWU = "320102000000"
M1, M2, X1 = "320102002001", "320102002002", "320102005001"


def _demo_files() -> dict[str, tuple[list[str], list[list[str]]]]:
    from jijinan.registry.demo import PERSONS

    ids = {p.key: p.id_number or "" for p in PERSONS}
    names = {p.key: p.name for p in PERSONS}
    first, second, third = list(ids)[:3]
    return {
        "hospital_bills": (["姓名", "身份证号", "结算日期", "医疗机构", "医疗总费用", "个人自付金额", "区划代码"], [
            [names[first], ids[first], "2025-11-03", "江苏省人民医院", "86,400.00", "31,250.50", M1],
            [names[second], ids[second], "2025/11/20", "南京市第一医院", "12800", "4100", M2],
            ["未登记患者", "", "2025年12月1日", "南京鼓楼医院", "5600", "2300", X1],
        ]),
        "unemployment": (["姓名", "身份证号", "登记日期", "失业原因", "失业保险金月额", "区划代码"], [
            [names[third], ids[third], "20251015", "单位裁员", "1980", M1],
            ["外来务工人员", "", "2025-10-20", "合同到期", "", X1],
        ]),
        "deaths": (["姓名", "身份证号", "死亡日期", "死亡原因", "区划代码"], [
            ["身份不明者", "", "2025-09-08", "意外", M2],
        ]),
    }


@demo_step("exchange.batches", order=90)
def demo_batches(ctx: DemoContext) -> None:
    from jijinan.exchange.services import import_file

    for source, (header, rows) in _demo_files().items():
        name = f"demo-{source}.csv"
        if ImportBatch.objects.filter(source=source, file_name=name).exists():
            continue
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(csv_bytes(header, rows))
            batch = import_file(actor=None, source_code=source, path=path, region_code=XUANWU,
                                mode=BatchMode.ACCEPT_VALID)
        ctx.created("import batches", 1)
        ctx.created("department records", batch.rows_written)
