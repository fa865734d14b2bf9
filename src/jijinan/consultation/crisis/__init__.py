"""The crisis intervention track (危机干预) of the consultation app: first contact, plan, professional
help, reassessment until resolved, escalation when unresolved past its limit."""

from __future__ import annotations


def install() -> None:
    """Register the track's permissions, deadline kinds, panel, menu entry, outbox handler and job."""
    from jijinan.consultation.crisis import extensions, tasks  # noqa: F401  (the handler and the job)

    extensions.install()
