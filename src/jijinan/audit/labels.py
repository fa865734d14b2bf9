"""Readable names of action codes for the history panels; apps add theirs at ``ready()``."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise

from jijinan.core.permissions import matrix

_labels: dict[str, str | Promise] = {}


def register_action_labels(labels: Mapping[str, str | Promise]) -> None:
    """``{"cases.accept": gettext_lazy("受理")}``: shown instead of the code in the panels."""
    _labels.update(labels)


def known_actions() -> list[str]:
    """Every action code with a name: the registered labels and the permission matrix's actions."""
    return sorted(set(_labels) | set(matrix()))


def action_label(code: str) -> str:
    """The registered name, else the permission matrix's description of that action, else the code."""
    if code in _labels:
        return str(_labels[code])
    rule = matrix().get(code)
    return str(rule.description) if rule is not None else code
