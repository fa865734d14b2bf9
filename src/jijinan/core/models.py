"""Every table of the core app, gathered here for Django: each lives in the folder of its part.

The core's own modules import their folder's ``models``; other apps may import from here.
"""

from jijinan.core.calendar.models import CalendarDay, CalendarDayKind, CalendarDaySource, CalendarYear
from jijinan.core.deadlines.models import DEADLINE_UNITS, Deadline, DeadlineStatus
from jijinan.core.jobs.models import Job, OutboxDelivery, OutboxMessage, PeriodicSchedule, WorkerHeartbeat
from jijinan.core.messaging.models import (
    MAIL_BODY_PURPOSE,
    SMS_TEXT_PURPOSE,
    SMS_TO_PURPOSE,
    InboxItem,
    MailMessage,
    OneTimeCode,
    SmsMessage,
    SmsStatus,
)
from jijinan.core.search.models import SearchEntry

__all__ = [
    "DEADLINE_UNITS",
    "MAIL_BODY_PURPOSE",
    "SMS_TEXT_PURPOSE",
    "SMS_TO_PURPOSE",
    "CalendarDay",
    "CalendarDayKind",
    "CalendarDaySource",
    "CalendarYear",
    "Deadline",
    "DeadlineStatus",
    "InboxItem",
    "Job",
    "MailMessage",
    "OneTimeCode",
    "OutboxDelivery",
    "OutboxMessage",
    "PeriodicSchedule",
    "SearchEntry",
    "SmsMessage",
    "SmsStatus",
    "WorkerHeartbeat",
]
