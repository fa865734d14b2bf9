"""Regions: the administrative division tree (province → village) with 12-digit codes."""

from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "jijinan.regions"
    label = "regions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from jijinan.regions import demo  # noqa: F401
