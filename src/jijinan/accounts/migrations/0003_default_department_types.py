"""Seed the default department types (administrators may add more)."""

from django.db import migrations

DEFAULTS = [
    ("civil_affairs", "民政", "Civil affairs"),
    ("health", "卫健", "Health"),
    ("medical_security", "医保", "Medical security"),
    ("education", "教育", "Education"),
    ("housing", "住建", "Housing and construction"),
    ("human_resources", "人社", "Human resources and social security"),
    ("emergency_management", "应急管理", "Emergency management"),
    ("public_security", "公安", "Public security"),
    ("disabled_persons_federation", "残联", "Disabled persons' federation"),
    ("trade_union", "工会", "Trade union"),
    ("womens_federation", "妇联", "Women's federation"),
    ("youth_league", "团委", "Youth league"),
    ("finance", "财政", "Finance"),
    ("comprehensive_governance", "综治办", "Comprehensive governance office"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    DepartmentType = apps.get_model("accounts", "DepartmentType")
    for order, (code, name, name_en) in enumerate(DEFAULTS, start=1):
        DepartmentType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_organisations_grants_tokens")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
