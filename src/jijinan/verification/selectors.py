"""Reads of the verification app, each through the user's scope (the household's region).

Income and asset details are sensitive (PIPL art. 28): every page or API answer that shows a
household's results or a report writes one access-log row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _

from jijinan.audit.services import access_log_record
from jijinan.core.errors import DomainError
from jijinan.core.permissions import ScopePaths, get_for_user, restrict
from jijinan.policy.calculators.property import PropertyFacts
from jijinan.registry.choices import Relation
from jijinan.registry.models import Household, HouseholdMember
from jijinan.registry.selectors import region_prefix
from jijinan.verification.choices import RequestStatus, Source
from jijinan.verification.errors import VerificationErrorCode as E
from jijinan.verification.models import (
    Authorisation,
    VerificationReport,
    VerificationRequest,
    VerificationResult,
)
from jijinan.verification.permissions import VERIFICATION_VIEW
from jijinan.verification.report import IncomeFacts, report_income_facts, report_property_facts

HOUSEHOLD_PATHS = ScopePaths(region="region")
RECORD_PATHS = ScopePaths(region="household__region")
SENSITIVE_FIELDS = ["household_income", "household_property"]

__all__ = ["IncomeFacts", "report_income_facts", "report_property_facts"]


def _head_name(path: str = "pk") -> Subquery:
    return Subquery(HouseholdMember.objects.filter(
        household=OuterRef(path), relation=Relation.HEAD, left_on__isnull=True).values("person__name")[:1])


def household_get_for_user(*, user: Any, pk: int, action: str = VERIFICATION_VIEW) -> Household:
    return get_for_user(Household.objects.select_related("region").annotate(head_name=_head_name()),
                        user, action, HOUSEHOLD_PATHS, pk=pk)


def authorisation_get_for_user(*, user: Any, pk: int, action: str = VERIFICATION_VIEW) -> Authorisation:
    return get_for_user(Authorisation.objects.select_related("household__region"), user, action,
                        RECORD_PATHS, pk=pk)


def request_get_for_user(*, user: Any, pk: int, action: str = VERIFICATION_VIEW) -> VerificationRequest:
    return get_for_user(VerificationRequest.objects.select_related("household__region", "authorisation")
                        .annotate(head_name=_head_name("household_id")), user, action, RECORD_PATHS, pk=pk)


def report_get_for_user(*, user: Any, pk: int, log: bool = True, kind: str = "view") -> VerificationReport:
    report = get_for_user(VerificationReport.objects.select_related("household__region", "issued_by"),
                          user, VERIFICATION_VIEW, RECORD_PATHS, pk=pk)
    if log:
        access_log_record(actor=user, kind=kind, subject=report, subject_label=str(report),
                          region_code=report.household.region.code, fields=SENSITIVE_FIELDS)
    return report


@dataclass(frozen=True)
class RequestFilter:
    source: str = ""
    status: str = RequestStatus.PENDING  # "" for every status
    region: str = ""


def request_list_for_user(*, user: Any, search: RequestFilter) -> QuerySet[VerificationRequest]:
    """Requests in the user's area, open ones by default, newest first."""
    requests = restrict(VerificationRequest.objects.select_related("household__region", "requested_by")
                        .annotate(head_name=_head_name("household_id")), user, VERIFICATION_VIEW, RECORD_PATHS)
    if search.source:
        if search.source not in Source.values:
            raise DomainError.for_field("source", _("数据来源无效"), code=E.INVALID_FILTER)
        requests = requests.filter(source=search.source)
    if search.status:
        if search.status not in RequestStatus.values:
            raise DomainError.for_field("status", _("状态无效"), code=E.INVALID_FILTER)
        requests = requests.filter(status=search.status)
    if search.region:
        requests = requests.filter(household__region__prefix__startswith=region_prefix(search.region))
    return requests.order_by("-requested_at", "-id")


@dataclass
class HouseholdVerification:
    """Everything the household's verification page shows."""

    household: Household
    authorisations: list[Authorisation]
    requests: list[VerificationRequest]
    reports: list[VerificationReport]

    @property
    def open_requests(self) -> list[VerificationRequest]:
        return [r for r in self.requests if r.status == RequestStatus.PENDING]

    @property
    def unreported(self) -> list[VerificationRequest]:
        return [r for r in self.requests if r.report_id is None and r.status != RequestStatus.CANCELLED]

    def latest_by_source(self) -> list[tuple[str, str, VerificationRequest | None]]:
        """Each source with its latest request (None if never asked), in the order of POLICY.md §8."""
        latest: dict[str, VerificationRequest] = {}
        for r in self.requests:  # newest first
            latest.setdefault(r.source, r)
        return [(code, str(label), latest.get(code)) for code, label in Source.choices]


def household_verification_for_user(*, user: Any, pk: int, log: bool = True) -> HouseholdVerification:
    """The household's authorisations, requests with their results, and reports (one access-log row)."""
    household = household_get_for_user(user=user, pk=pk)
    authorisations = list(Authorisation.objects.filter(household=household).select_related(
        "recorded_by", "revoked_by").prefetch_related("signatories").order_by("-signed_on", "-id"))
    requests = list(VerificationRequest.objects.filter(household=household).select_related(
        "requested_by").prefetch_related(Prefetch("result", queryset=VerificationResult.objects.select_related(
            "entered_by"))).order_by("-requested_at", "-id"))
    reports = list(VerificationReport.objects.filter(household=household).select_related("issued_by")
                   .order_by("-number"))
    if log:
        access_log_record(actor=user, kind="view", subject=household, subject_label=str(household),
                          region_code=household.region.code, fields=SENSITIVE_FIELDS,
                          purpose=_("家庭经济状况核对"))
    return HouseholdVerification(household, authorisations, requests, reports)


def result_of(request: VerificationRequest) -> VerificationResult | None:
    try:
        return request.result
    except VerificationResult.DoesNotExist:
        return None


# --- for the policy engine ----------------------------------------------------------------------------------
def latest_complete_report(*, household: Household) -> VerificationReport | None:
    """The report in force: the latest issued report in which all ten sources answered."""
    return VerificationReport.objects.filter(household=household, complete=True).order_by("-number").first()


def household_property_facts_for_user(*, user: Any, household: Household) -> PropertyFacts | None:
    """The property facts of the household's report in force, or None when it has none."""
    household_get_for_user(user=user, pk=household.pk)
    report = latest_complete_report(household=household)
    if report is None:
        return None
    access_log_record(actor=user, kind="view", subject=report, subject_label=str(report),
                      region_code=household.region.code, fields=["household_property"],
                      purpose=_("财产状况认定"))
    return report_property_facts(report)


def household_income_facts_for_user(*, user: Any, household: Household) -> IncomeFacts | None:
    household_get_for_user(user=user, pk=household.pk)
    report = latest_complete_report(household=household)
    if report is None:
        return None
    access_log_record(actor=user, kind="view", subject=report, subject_label=str(report),
                      region_code=household.region.code, fields=["household_income"],
                      purpose=_("收入状况认定"))
    return report_income_facts(report)
