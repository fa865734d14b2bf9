"""Links other apps add to a household's or a person's page (verification, cases …), registered at
start-up so the registry never imports the apps above it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from jijinan.core.permissions import Target, can


@dataclass(frozen=True)
class HouseholdLink:
    label: str | Promise
    url_name: str  # reversed with the household's pk
    action: str  # shown only to users who may perform it on the household
    query: str = ""  # when set: the page reversed without arguments, given ``?<query>=<pk>``


PersonLink = HouseholdLink  # the same shape: a page named with the person's pk


_links: dict[str, HouseholdLink] = {}
_person_links: dict[str, PersonLink] = {}


def register_household_link(link: HouseholdLink) -> None:
    _links[link.url_name] = link


def household_links_for(*, user: Any, household: Any) -> list[dict[str, Any]]:
    target = Target(region_prefix=household.region.prefix)
    return [{"label": link.label, "url": _url(link, household.pk)}
            for link in _links.values() if can(user, link.action, target)]


def register_person_link(link: PersonLink) -> None:
    _person_links[link.url_name] = link


def person_links_for(*, user: Any, person: Any) -> list[dict[str, Any]]:
    target = Target(region_prefix=person.residence_region.prefix)
    return [{"label": link.label, "url": _url(link, person.pk)}
            for link in _person_links.values() if can(user, link.action, target)]


def _url(link: HouseholdLink, pk: int) -> str:
    if link.query:
        return f"{reverse(link.url_name)}?{link.query}={pk}"
    return reverse(link.url_name, args=[pk])
