"""A review keeps where the income and property it was assessed on came from; a household's case
names its applicant (the head, when no member was named at intake)."""

from django.db import migrations, models


def name_applicants(apps, schema_editor):  # type: ignore[no-untyped-def]
    Case = apps.get_model("cases", "Case")
    HouseholdMember = apps.get_model("registry", "HouseholdMember")
    heads = dict(HouseholdMember.objects.filter(relation="head", left_on__isnull=True)
                 .values_list("household_id", "person_id"))
    for case in Case.objects.filter(household__isnull=False, person__isnull=True).only("pk", "household_id").iterator():
        head = heads.get(case.household_id)
        if head is not None:
            Case.objects.filter(pk=case.pk).update(person_id=head)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_aid_payments"),
        ("registry", "0001_persons_households_memberships_consents"),
    ]

    operations = [
        migrations.AddField(
            model_name="casereview",
            name="means",
            field=models.JSONField(blank=True, default=dict, verbose_name="收入和财产来源"),
        ),
        migrations.RunPython(name_applicants, migrations.RunPython.noop),
    ]
