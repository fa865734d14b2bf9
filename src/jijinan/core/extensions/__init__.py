"""Where a new app plugs in: the index of every extension point of the platform.

Generic parts never import the apps above them; an app registers what it adds with these hooks,
from its ``AppConfig.ready()`` (or as its module loads, for the decorators), and the generic part
finds it there. A new app reads this list first. ``tests/test_extensions.py`` fails when a hook
exists that is not listed here, or a listed one no longer exists.

This package also holds the registries that only later capabilities fill in full: home-page
panels (``panels``), indicators (``indicators``), webhook event types (``events``) and the
subjects of deadlines (``subjects``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtensionPoint:
    hook: str  # the dotted path of the function or decorator
    adds: str  # what a registration adds
    used_by: str  # who reads what is registered


EXTENSION_POINTS: tuple[ExtensionPoint, ...] = (
    # --- core: who may do what, and where it shows -------------------------------------------------
    ExtensionPoint("jijinan.core.permissions.register_actions",
                   "rows of the permission matrix: an action, the roles allowed, how its target is scoped",
                   "@requires on every view and API operation, restrict/require, the generated permission tests"),
    ExtensionPoint("jijinan.core.permissions.set_scope_backend",
                   "the one backend that knows a user's grants (installed by accounts)",
                   "can, require and restrict"),
    ExtensionPoint("jijinan.core.nav.register_nav",
                   "an entry of the main navigation, in a named group, shown to who holds its action",
                   "the page shell (a group's drop-down) and the home page's shortcuts"),
    ExtensionPoint("jijinan.core.nav.register_nav_group", "a group of the main navigation: its order and label",
                   "the page shell (at most seven groups)"),
    ExtensionPoint("jijinan.core.extensions.panels.register_home_panel",
                   "a home-page panel: what waits for the user, its first items (how late, when due) and a link",
                   "the home page"),
    ExtensionPoint("jijinan.core.extensions.panels.register_next_step",
                   "something useful to do, offered by an empty home-page panel to who holds its action",
                   "the home page"),
    ExtensionPoint("jijinan.core.extensions.indicators.register_indicator",
                   "an indicator with its written definition and how to compute it over a region and a period",
                   "supervision's boards and the monthly report"),
    ExtensionPoint("jijinan.core.extensions.events.register_webhook_event",
                   "an outbox message type other systems may subscribe to, with its payload keys",
                   "integrations (webhook subscriptions and deliveries)"),
    ExtensionPoint("jijinan.cases.summary.register_case_flags",
                   "flags an app knows of a case (e.g. a deflection warning on one of its tasks)",
                   "the summary at the top of the case page"),
    # --- core: background work ------------------------------------------------------------------------
    ExtensionPoint("jijinan.core.jobs.queue.job", "a kind of queued job (decorator)", "job_enqueue and the worker"),
    ExtensionPoint("jijinan.core.jobs.queue.periodic", "a job the worker runs every interval (decorator)",
                   "the worker's schedule"),
    ExtensionPoint("jijinan.core.jobs.queue.register_tick",
                   "work the worker does on every loop, beside jobs (e.g. delivering the outbox)", "the worker"),
    ExtensionPoint("jijinan.core.jobs.outbox.outbox_handler",
                   "a receiver of outbox messages of some types, delivered at least once, in order per subject",
                   "the outbox delivery"),
    ExtensionPoint("jijinan.core.deadlines.kinds.deadline_kind_register",
                   "a kind of deadline: its label, default unit, subjects and the page of its subject",
                   "the deadline engine, its pages and the deadlines board"),
    ExtensionPoint("jijinan.core.extensions.subjects.register_deadline_subject",
                   "how an app's records read beside their deadlines: their number and the link to their page",
                   "the deadline list, the deadline page, the deadlines panel of record pages and the export"),
    ExtensionPoint("jijinan.core.extensions.subjects.register_parameter_titles",
                   "the titles of policy parameters by their codes (installed by policy)",
                   "the deadline page's list of the parameters a deadline was computed from"),
    ExtensionPoint("jijinan.core.calendar.workdays.on_calendar_change",
                   "a handler told which years changed after a working-day calendar change commits",
                   "the calendar services (deadlines recompute through it)"),
    ExtensionPoint("jijinan.core.messaging.sms.register_sms_template",
                   "a text-message template by code (the sender class is the JIJINAN_SMS_SENDER setting)",
                   "sms_send and the one-time codes"),
    ExtensionPoint("jijinan.core.demo.demo_step", "a step of `jijinan demo` (decorator), repeatable, with a scale",
                   "the demo command and the benchmarks"),
    ExtensionPoint("jijinan.core.protected.key_rotation.register_derived_columns",
                   "columns computed from a protected value (e.g. a partial search index), recomputed with it",
                   "jijinan keys rotate"),
    ExtensionPoint("jijinan.core.audit_hook.set_audit_recorder",
                   "how core services write an audit event (installed by audit)", "core services"),
    ExtensionPoint("jijinan.core.audit_hook.set_access_recorder",
                   "how core records a read of protected data (installed by audit)", "core services"),
    # --- foundation apps -----------------------------------------------------------------------------
    ExtensionPoint("jijinan.accounts.services.register_handover",
                   "open work a member of staff holds, counted and handed over when they are deactivated",
                   "staff deactivation"),
    ExtensionPoint("jijinan.audit.labels.register_action_labels",
                   "the label each audit action shows with", "the audit pages and history panels"),
    # --- registry ----------------------------------------------------------------------------------------
    ExtensionPoint("jijinan.registry.chain.register_chain_source",
                   "a source of a person's assistance chain (cases, payments, memberships …)",
                   "the person page's assistance chain"),
    ExtensionPoint("jijinan.registry.chain.register_chain_kinds", "labels of the entries a chain source gives",
                   "the person page's assistance chain"),
    ExtensionPoint("jijinan.registry.links.register_household_link",
                   "records that point at a household, shown on it and checked before it changes",
                   "the household page and household changes"),
    ExtensionPoint("jijinan.registry.links.register_person_link",
                   "pages that start from a person (e.g. a new case for them)", "the person page"),
    # --- cases -------------------------------------------------------------------------------------------
    ExtensionPoint("jijinan.cases.workflow.selectors.register_close_guard",
                   "a reason a case may not close yet (e.g. open department tasks)",
                   "closing a case, and the case page's list of what still blocks it"),
    ExtensionPoint("jijinan.cases.workflow.selectors.register_close_warning",
                   "something a case may close with only when a reason is given (e.g. a need never routed)",
                   "closing a case, and the warning beside the case page's close form"),
    ExtensionPoint("jijinan.cases.workflow.services.register_escalation_trigger",
                   "what happens when a review finds a case needs a consultation (the escalation to the government)",
                   "the review and the make-up review, in their transaction"),
)
