"""The staff UI shell: base templates, the stylesheet, home and error pages."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jijinan.web"
    label = "web"
    verbose_name = "界面"
