"""Pinyin keys of region names, for the region pickers; existing rows get theirs here."""

from django.db import migrations, models


def fill_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    from jijinan.core.pinyin import pinyin_keys

    Region = apps.get_model("regions", "Region")
    changed = []
    for region in Region.objects.only("pk", "name").iterator(chunk_size=2000):
        region.name_pinyin, region.name_initials = pinyin_keys(region.name)
        changed.append(region)
    Region.objects.bulk_update(changed, ["name_pinyin", "name_initials"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0001_region_tree'),
    ]

    operations = [
        migrations.AddField(
            model_name='region',
            name='name_initials',
            field=models.CharField(blank=True, db_index=True, max_length=60, verbose_name='名称拼音首字母'),
        ),
        migrations.AddField(
            model_name='region',
            name='name_pinyin',
            field=models.CharField(blank=True, db_index=True, max_length=200, verbose_name='名称拼音'),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
