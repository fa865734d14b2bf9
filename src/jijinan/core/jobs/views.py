"""The administrator's view of background work: dead jobs and dead-lettered messages, replay."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jijinan.core.errors import DomainError
from jijinan.core.jobs.choices import DeliveryStatus, JobStatus
from jijinan.core.jobs.models import Job, OutboxDelivery
from jijinan.core.jobs.outbox import outbox_replay
from jijinan.core.jobs.queue import job_replay
from jijinan.core.jobs.selectors import system_health
from jijinan.core.permissions import requires


@requires("system.jobs.view")
@require_GET
def queues(request: HttpRequest) -> HttpResponse:
    return render(request, "core/system/queues.html", {
        "health": system_health(),
        "dead_jobs": Job.objects.filter(status=JobStatus.DEAD).order_by("-finished_at")[:200],
        "dead_deliveries": OutboxDelivery.objects.filter(status=DeliveryStatus.DEAD)
        .select_related("message").order_by("-id")[:200],
        "pending_deliveries": OutboxDelivery.objects.filter(status=DeliveryStatus.PENDING).count(),
    })


@requires("system.outbox.manage")
@require_POST
def replay(request: HttpRequest) -> HttpResponse:
    try:
        jobs = [int(i) for i in request.POST.getlist("job")]
        deliveries = [int(i) for i in request.POST.getlist("delivery")]
        if not jobs and not deliveries:
            raise DomainError(_("请选择要重新运行的任务或消息"))
        n = (job_replay(actor=request.user, job_ids=jobs) if jobs else 0) + (
            outbox_replay(actor=request.user, delivery_ids=deliveries) if deliveries else 0)
    except ValueError:
        messages.error(request, _("选择无效"))
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已重新排队 %(n)s 项") % {"n": n})
    return redirect("system:queues")
