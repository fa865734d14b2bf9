"""The public notice board (公示): the cases of one township or county whose notice period is running,
minimised as POLICY.md §9 asks — the name partly masked, the ID number masked, no address, health,
disability, bank or case description, and never a minor.

It is a public page (anyone may read a notice and object to it at the township); nothing on it is
unmasked, and its rows are read in a fixed number of queries whatever their count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.cases.errors import CaseErrorCode as E
from jijinan.cases.models import PublicNotice
from jijinan.core.errors import DomainError
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region
from jijinan.registry.models import HouseholdMember, Person

PAGE_SIZE = 50
ADULT_AGE = 18
PROGRAM_LABELS = {"temporary_assistance": gettext_lazy("临时救助"), "dibao": gettext_lazy("最低生活保障"),
                  "tekun": gettext_lazy("特困人员救助供养")}


@dataclass(frozen=True)
class NoticeRow:
    number: str
    name: str  # partly masked
    id_number: str  # masked
    township: str
    program: str
    amount_fen: int | None
    starts_at: datetime
    ends_at: datetime


def mask_name(name: str) -> str:
    """张伟 → 张*, 王建国 → 王*国, 欧阳明月 → 欧**月: the first and (from three characters) the last."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def board_region(code: str) -> Region:
    """The township or county whose board is asked for."""
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None or region.level not in (RegionLevel.TOWNSHIP, RegionLevel.COUNTY):
        raise DomainError.for_field("region", _("请选择乡镇（街道）或县（区）"), code=E.NOTICE_BOARD_REGION)
    return region


def notices_running(*, region: Region, now: datetime | None = None) -> list[NoticeRow]:
    """The notices running now in ``region``'s subtree, the newest first; minors never appear."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    heads = Prefetch("case__household__members", to_attr="current",
                     queryset=HouseholdMember.objects.filter(left_on__isnull=True, relation="head")
                     .select_related("person"))
    notices = (PublicNotice.objects.filter(withdrawn_at__isnull=True, starts_at__lte=now, ends_at__gt=now,
                                           case__handling_region__prefix__startswith=region.prefix,
                                           case__stage="reviewed")
               .select_related("case", "case__person", "case__household", "case__handling_region")
               .prefetch_related(heads).order_by("-starts_at", "-id")[:PAGE_SIZE])
    rows = []
    for notice in notices:
        case = notice.case
        person: Person | None = case.person
        if person is None and case.household is not None:
            current = getattr(case.household, "current", [])
            person = current[0].person if current else None
        if person is None:
            continue  # nobody identified: nothing to publish
        age = _age(person.birth_date, today)
        if age is None or age < ADULT_AGE:
            continue  # never a minor, nor someone whose age is unknown
        rows.append(NoticeRow(
            number=case.number, name=mask_name(person.name),
            id_number=str(person.id_number) if person.id_number is not None else "—",
            township=case.handling_region.name, program=str(PROGRAM_LABELS.get(case.program, case.program)),
            amount_fen=case.requested_amount_fen, starts_at=notice.starts_at, ends_at=notice.ends_at))
    return rows
