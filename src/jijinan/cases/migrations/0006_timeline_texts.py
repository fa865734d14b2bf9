"""Keep the moves and intakes already on case timelines as messages with their parameters, so they
are shown in the reader's language too. An entry is converted only when its stored summary is
exactly the Chinese rendering of the message rebuilt from its data; any other entry (a summary
written in English, or with details the data does not hold) keeps being shown as it was written."""

from django.db import migrations
from django.utils import translation


def _candidate(event, number):  # type: ignore[no-untyped-def]
    from jijinan.cases.choices import Channel, Stage
    from jijinan.cases.workflow.transitions import TRANSITIONS
    from jijinan.core.texts import joined, message

    data = event.data or {}
    if event.kind.startswith("stage.") and data.get("transition") in TRANSITIONS:
        before, after = data.get("from"), data.get("to")
        if before not in Stage.values or after not in Stage.values:
            return None
        text = message("%(action)s：%(before)s → %(after)s", {
            "action": TRANSITIONS[data["transition"]].label, "before": Stage(before).label,
            "after": Stage(after).label})
        if data.get("reason"):
            text = joined([text, message("；理由：%(reason)s", {"reason": data["reason"]})])
        return text
    if event.kind == "intake" and data.get("channel") in Channel.values and data.get("stage") in Stage.values:
        return message("%(channel)s登记，事项编号 %(number)s，阶段：%(stage)s", {
            "channel": Channel(data["channel"]).label, "number": number, "stage": Stage(data["stage"]).label})
    return None


def keep_texts(apps, schema_editor):  # type: ignore[no-untyped-def]
    from jijinan.core.texts import render_source

    CaseEvent = apps.get_model("cases", "CaseEvent")
    with translation.override("zh-hans"):
        events = (CaseEvent.objects.filter(kind__startswith="stage.") | CaseEvent.objects.filter(kind="intake"))
        for event in events.select_related("case").iterator(chunk_size=500):
            if "text" in (event.data or {}):
                continue
            text = _candidate(event, event.case.number)
            if text is not None and render_source(text)[:300] == event.summary:
                event.data = {**(event.data or {}), "text": text}
                event.save(update_fields=["data"])


class Migration(migrations.Migration):

    dependencies = [("cases", "0005_review_means_and_household_applicants")]

    operations = [migrations.RunPython(keep_texts, migrations.RunPython.noop)]
