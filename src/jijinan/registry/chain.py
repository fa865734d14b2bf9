"""The assistance chain (一户一条救助链): every program, case, grant, task and service of a person
or household, in time order, gathered from every app through one registration point.

An app adds its entries at ``AppConfig.ready()``::

    register_chain_source("cases", case_chain_entries)

where ``case_chain_entries(*, person=None, household=None, user=None)`` returns ``ChainEntry``
items for that person or household (exactly one of the two is given) that ``user`` may see.
The person's and household's pages only call ``assistance_chain``; nothing else changes there
when a feature adds a source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from jijinan.core.permissions import Target, can
from jijinan.registry.choices import ChainKind, MembershipStatus
from jijinan.registry.models import Consent, Household, HouseholdMember, Membership, Person
from jijinan.registry.permissions import PERSON_VIEW_FULL

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainEntry:
    """One event of the chain; ``at`` is a date or an aware datetime."""

    at: date | datetime
    kind: str  # "program", "case", "grant", "task", "service" …
    title: str
    url: str = ""
    detail: str = ""
    source: str = ""  # filled in by assistance_chain: the name the source registered under

    @property
    def kind_label(self) -> str:
        return str(_kind_labels.get(self.kind, self.kind))

    @property
    def moment(self) -> datetime:
        """``at`` as an aware datetime (a date counts as the start of that day, local time)."""
        if isinstance(self.at, datetime):
            return self.at if timezone.is_aware(self.at) else timezone.make_aware(self.at)
        return timezone.make_aware(datetime.combine(self.at, time.min))


ChainSource = Callable[..., Iterable[ChainEntry]]
_sources: dict[str, ChainSource] = {}
_kind_labels: dict[str, str | Promise] = dict(ChainKind.choices)


def register_chain_kinds(labels: dict[str, str | Promise]) -> None:
    """Names of entry kinds for the page: ``{"case": gettext_lazy("个案")}``."""
    _kind_labels.update(labels)


def register_chain_source(name: str, func: ChainSource) -> None:
    """Add (or replace) the source ``name``: ``func(*, person=None, household=None, user=None)``."""
    _sources[name] = func


def chain_sources() -> list[str]:
    return sorted(_sources)


def assistance_chain(*, person: Person | None = None, household: Household | None = None,
                     user: Any = None) -> list[ChainEntry]:
    """Every source's entries for the person or household, oldest first."""
    if (person is None) == (household is None):
        raise ValueError("give exactly one of person and household")
    entries: list[ChainEntry] = []
    for name in sorted(_sources):
        for entry in _sources[name](person=person, household=household, user=user):
            entries.append(ChainEntry(entry.at, entry.kind, entry.title, entry.url, entry.detail, name))
    return sorted(entries, key=lambda e: (e.moment, e.source, e.title))


# --- the registry's own entries ----------------------------------------------------------------------
def _membership_entries(memberships: Iterable[Membership], url: Callable[[Membership], str],
                        who: Callable[[Membership], str] = lambda m: "") -> list[ChainEntry]:
    entries = []
    for m in memberships:
        subject = who(m)
        prefix = f"{subject}：" if subject else ""
        department = m.reporting_department.label if m.reporting_department else ""
        detail = "；".join(x for x in (department, m.reference) if x)
        entries.append(ChainEntry(m.start_date, ChainKind.PROGRAM,
                                  prefix + _("纳入%(program)s") % {"program": m.program.label}, url(m), detail))
        if m.end_date is not None and m.status == MembershipStatus.ENDED:
            entries.append(ChainEntry(m.end_date, ChainKind.PROGRAM,
                                      prefix + _("退出%(program)s") % {"program": m.program.label}, url(m),
                                      m.note))
        elif m.status == MembershipStatus.SUSPENDED:
            entries.append(ChainEntry(m.updated_at, ChainKind.PROGRAM,
                                      prefix + _("暂停%(program)s") % {"program": m.program.label}, url(m),
                                      m.note))
    return entries


def _person_url(person_id: int) -> str:
    from django.urls import reverse

    return reverse("registry:person", args=[person_id])


def _household_url(household_id: int) -> str:
    from django.urls import reverse

    return reverse("registry:household", args=[household_id])


def registry_entries(*, person: Person | None = None, household: Household | None = None,
                     user: Any = None) -> list[ChainEntry]:
    """Registration, household changes, program memberships and consents."""
    memberships = Membership.objects.select_related("program", "reporting_department", "person")
    if person is not None:
        entries = [ChainEntry(person.created_at, ChainKind.REGISTERED, _("登记为救助对象"),
                              _person_url(person.pk))]
        entries += _membership_entries(memberships.filter(person=person),
                                       lambda m: _person_url(person.pk))
        for hm in HouseholdMember.objects.filter(person=person).select_related("household"):
            entries.append(ChainEntry(hm.joined_on, ChainKind.HOUSEHOLD,
                                      _("加入家庭（%(relation)s）") % {"relation": hm.get_relation_display()},
                                      _household_url(hm.household_id)))
            if hm.left_on is not None:
                entries.append(ChainEntry(hm.left_on, ChainKind.HOUSEHOLD, _("离开家庭"),
                                          _household_url(hm.household_id), hm.left_reason))
            else:
                entries += _membership_entries(memberships.filter(household_id=hm.household_id),
                                               lambda m: _household_url(m.household_id or 0),
                                               lambda m: _("本户"))
        # Whom else the person shares with is for staff who see the whole record.
        in_full = user is None or can(user, PERSON_VIEW_FULL, Target(region_prefix=person.residence_region.prefix))
        consents = Consent.objects.filter(person=person) if in_full else Consent.objects.none()
        for c in consents.select_related("organisation", "department_type"):
            entries.append(ChainEntry(c.granted_on, ChainKind.CONSENT,
                                      _("授权向%(to)s共享信息") % {"to": c.recipient_name}, "", c.purpose))
            if c.withdrawn_at is not None:
                entries.append(ChainEntry(c.withdrawn_at, ChainKind.CONSENT,
                                          _("撤回对%(to)s的授权") % {"to": c.recipient_name}, "",
                                          c.withdrawn_reason))
        return entries
    assert household is not None
    entries = [ChainEntry(household.created_at, ChainKind.REGISTERED, _("登记家庭"),
                          _household_url(household.pk))]
    entries += _membership_entries(memberships.filter(household=household),
                                   lambda m: _household_url(household.pk))
    members = list(HouseholdMember.objects.filter(household=household).select_related("person"))
    for hm in members:
        if hm.joined_on != timezone.localdate(household.created_at):
            entries.append(ChainEntry(hm.joined_on, ChainKind.HOUSEHOLD,
                                      _("%(name)s 加入（%(relation)s）") % {
                                          "name": hm.person.name, "relation": hm.get_relation_display()},
                                      _person_url(hm.person_id)))
        if hm.left_on is not None:
            entries.append(ChainEntry(hm.left_on, ChainKind.HOUSEHOLD,
                                      _("%(name)s 离开") % {"name": hm.person.name},
                                      _person_url(hm.person_id), hm.left_reason))
    current = [hm.person_id for hm in members if hm.left_on is None]
    entries += _membership_entries(memberships.filter(person_id__in=current),
                                   lambda m: _person_url(m.person_id or 0),
                                   lambda m: m.person.name if m.person else "")
    return entries
