"""Fill the new search keys of the persons already registered (given name, partial indexes of the
ID number and phone) and index the addresses of persons and households for the keyword search.

Reads each protected value to compute its partial index: 500 rows a batch, so it runs on a large
registry without holding everything in memory. ``jijinan search rebuild`` does the same again.
"""

from django.db import migrations


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from jijinan.core.search.textsearch import textsearch_index_many
    from jijinan.registry.search import (
        HOUSEHOLD_ADDRESS_SUBJECT,
        PERSON_ADDRESS_SUBJECT,
        REBUILD_BATCH,
        person_search_values,
    )

    Person = apps.get_model("registry", "Person")
    Household = apps.get_model("registry", "Household")
    last = 0
    while True:
        batch = list(Person.objects.filter(pk__gt=last).order_by("pk").select_related("residence_region")
                     [:REBUILD_BATCH])
        if not batch:
            break
        for person in batch:
            Person.objects.filter(pk=person.pk).update(**person_search_values(person))
        textsearch_index_many(subject_type=PERSON_ADDRESS_SUBJECT, items=[
            (p.pk, p.residence_address, p.residence_region.code) for p in batch])
        last = batch[-1].pk
    last = 0
    while True:
        households = list(Household.objects.filter(pk__gt=last).order_by("pk").select_related("region")
                          [:REBUILD_BATCH])
        if not households:
            break
        textsearch_index_many(subject_type=HOUSEHOLD_ADDRESS_SUBJECT, items=[
            (h.pk, h.address, h.region.code) for h in households])
        last = households[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_inbox_and_mail"),
        ("registry", "0003_person_search_keys"),
    ]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
