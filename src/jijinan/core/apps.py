"""The core app: jobs and the worker, errors, API helpers, demo registry, shared utilities."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jijinan.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Register the core's own jobs, periodic jobs and demo data.
        from jijinan.core import demo, tasks  # noqa: F401
