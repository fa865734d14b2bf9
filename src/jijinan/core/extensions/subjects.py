"""The subjects of deadlines: how each app names its records and links to their pages, and how
the policy parameters a deadline was computed from are titled.

The deadline engine refers to a subject by type and id (``cases.case`` 10); pages show it as the
owning app describes it (急难事项 JJ320102…, 部门任务 JJ320102…-01 · 玄武区卫健委) with a link to
its page. The app that owns the records registers a ``DeadlineSubject`` from its
``AppConfig.ready()``; a type nobody registered shows as its kind's generic title, never as the
internal ``type#id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class SubjectLabel:
    text: str  # e.g. "急难事项 JJ320102002000202600008"
    url: str = ""  # the subject's page; empty when there is none


@dataclass(frozen=True)
class DeadlineSubject:
    subject_type: str  # e.g. "cases.case"
    title: str | Promise  # what one such record is called: 急难事项, 部门任务
    # ids → their labels, read at once (one query for a whole list); an id that is gone is left out.
    labels: Callable[[list[str]], dict[str, SubjectLabel]]


_subjects: dict[str, DeadlineSubject] = {}


def register_deadline_subject(subject: DeadlineSubject) -> None:
    if subject.subject_type in _subjects and _subjects[subject.subject_type] != subject:
        raise ValueError(f"deadline subject {subject.subject_type!r} is registered twice")
    _subjects[subject.subject_type] = subject


def deadline_subject(subject_type: str) -> DeadlineSubject | None:
    return _subjects.get(subject_type)


def subject_labels(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], SubjectLabel]:
    """The label of each (subject type, subject id), one read per registered type.

    A subject whose app did not register, or whose record is gone, reads as the type's title (or
    "其他记录") with its id, without a link: the internal ``type#id`` key is never shown."""
    by_type: dict[str, list[str]] = {}
    for subject_type, subject_id in keys:
        ids = by_type.setdefault(subject_type, [])
        if subject_id not in ids:
            ids.append(subject_id)
    found: dict[tuple[str, str], SubjectLabel] = {}
    for subject_type, ids in by_type.items():
        subject = _subjects.get(subject_type)
        labels = subject.labels(ids) if subject is not None else {}
        fallback = str(subject.title) if subject is not None else _("其他记录")
        for subject_id in ids:
            found[(subject_type, subject_id)] = labels.get(subject_id) or SubjectLabel(f"{fallback} {subject_id}")
    return found


# The titles of the policy parameters a deadline was computed from (policy registers them): a
# deadline keeps their codes and versions, and its page shows their titles.
_parameter_titles: list[Callable[[list[str]], dict[str, str]]] = []


def register_parameter_titles(titles: Callable[[list[str]], dict[str, str]]) -> None:
    if titles not in _parameter_titles:
        _parameter_titles.append(titles)


def parameter_titles(names: list[str]) -> dict[str, str]:
    """Each parameter's title by its code; a code nobody titles reads as "政策参数"."""
    found: dict[str, str] = {}
    for titles in _parameter_titles:
        found.update(titles(names))
    return {name: found.get(name) or _("政策参数") for name in names}
