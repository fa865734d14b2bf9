"""Links other apps add to a household's page (verification, cases …), registered at start-up so
the registry never imports the apps above it."""

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


_links: dict[str, HouseholdLink] = {}


def register_household_link(link: HouseholdLink) -> None:
    _links[link.url_name] = link


def household_links_for(*, user: Any, household: Any) -> list[dict[str, Any]]:
    target = Target(region_prefix=household.region.prefix)
    return [{"label": link.label, "url": reverse(link.url_name, args=[household.pk])}
            for link in _links.values() if can(user, link.action, target)]
