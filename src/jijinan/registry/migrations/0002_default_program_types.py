"""Seed the default program types (administrators may add more)."""

from django.db import migrations

# (code, name, English name, recorded for)
DEFAULTS = [
    ("dibao", "低保", "Minimum living allowance", "household"),
    ("tekun", "特困人员", "Extremely poor (state-supported)", "person"),
    ("dibao_edge", "低保边缘", "Near-dibao household", "household"),
    ("rigid_expense", "刚性支出困难", "Hardship from essential expenses", "household"),
    ("high_risk_household", "高风险家庭", "High-risk household", "household"),
    ("orphan", "孤儿", "Orphan", "person"),
    ("de_facto_unsupported_child", "事实无人抚养儿童", "De facto unsupported child", "person"),
    ("severe_disability", "重度残疾人", "Person with severe disability", "person"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    ProgramType = apps.get_model("registry", "ProgramType")
    for order, (code, name, name_en, subject) in enumerate(DEFAULTS, start=1):
        ProgramType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "subject": subject, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_persons_households_memberships_consents")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
