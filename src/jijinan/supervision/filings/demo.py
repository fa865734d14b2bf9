"""Demo filings: the demo cases 梅园新村街道 approved within its ceiling are filed with 玄武区 (as the
outbox handler files them), and the county approver draws half of them for spot checks."""

from __future__ import annotations

from django.utils import timezone

from jijinan.accounts.models import User
from jijinan.cases.choices import ApproverLevel
from jijinan.cases.models import Case, CaseEvent
from jijinan.core.demo import DemoContext, demo_step
from jijinan.supervision.filings.services import APPROVALS, DrawInput, filing_draw, filing_file
from jijinan.supervision.models import ApprovalFiling, SpotCheckDraw

XUANWU = "320102000000"


@demo_step("supervision.filings", order=130)
def demo_filings(ctx: DemoContext) -> None:
    approved = (CaseEvent.objects.filter(kind__in=[f"stage.{t}" for t in APPROVALS],
                                         case__approver_level=ApproverLevel.TOWNSHIP)
                .values_list("case_id", "kind").distinct())
    filed = 0
    for case_id, kind in approved:
        if not ApprovalFiling.objects.filter(case_id=case_id).exists() and Case.objects.filter(pk=case_id).exists():
            filed += filing_file(case_id=case_id, transition=kind.removeprefix("stage.")) is not None
    ctx.created("approval filings", filed)
    approver = User.objects.filter(username="county_approver").first()
    if approver is None or SpotCheckDraw.objects.filter(county__code=XUANWU).exists():
        return  # no demo staff, or a second run
    today = timezone.localdate()
    if ApprovalFiling.objects.filter(county__code=XUANWU, status="filed").exists():
        filing_draw(actor=approver, data=DrawInput(county_code=XUANWU, period_from=today.replace(day=1),
                                                   period_to=today, share_percent="50"))
        ctx.created("spot-check draws", 1)
