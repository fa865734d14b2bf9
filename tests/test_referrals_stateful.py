"""Department tasks as a Hypothesis state machine: random splits, accepts, returns, questions,
progress, completions, transfers, re-sends and recalls by random people (the right office, another
office, the case side, a clerk), with stale versions and empty reasons; after every step the
invariants of a task are checked, and after every refusal that nothing changed.

The world, the policy defaults and the people are built once; every example runs inside a
savepoint rolled back when it ends. ``JIJINAN_HYPOTHESIS_EXAMPLES`` and ``JIJINAN_HYPOTHESIS_STEPS``
run more and longer examples.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.audit.models import AuditEvent
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, CaseEvent
from jijinan.cases.workflow.selectors import close_blockers
from jijinan.core.errors import DomainError
from jijinan.core.models import Deadline, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.referrals import services
from jijinan.referrals.choices import HAND_OFFS, OPEN_STATUSES, FlagReason, TaskEventKind, TaskStatus
from jijinan.referrals.deflection import selectors as deflection
from jijinan.referrals.models import DeflectionFlag, Task, TaskEvent
from jijinan.regions.models import Region
from tests.test_cases import TOWNSHIP, intake
from tests.world import PASSWORD, XUANWU, build_world, load_policy_defaults, persona

pytestmark = pytest.mark.django_db

GULOU = "320106000000"
OFFICES = ["medical", "health", "housing", "gulou_health"]
_EXPLICIT = os.environ.get("JIJINAN_HYPOTHESIS_EXAMPLES")
SETTINGS = settings(
    max_examples=int(_EXPLICIT or 40), stateful_step_count=int(os.environ.get("JIJINAN_HYPOTHESIS_STEPS") or 25),
    deadline=None, database=None, derandomize=not _EXPLICIT,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
RETURNS_LIMIT = 2  # case_handling.deflection_returns in the shipped defaults


@dataclass(frozen=True)
class Setup:
    offices: dict[str, Organisation]
    handlers: dict[str, User]  # office key -> its handler
    reviewer: User
    clerk: User
    case_id: int


def _mostly(usual: list[Any], rare: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([*usual, *usual, *rare, *usual, *usual])


ANY = 9  # a pick at or above this takes any task, whatever its status
PICK = _mostly([0, 1, 2], [ANY, ANY + 1])
LIVE = (TaskStatus.PENDING, TaskStatus.ACCEPTED)
STALE = _mostly([0] * 3, [-1, 1])
OFFICE = st.sampled_from(OFFICES)
# Who acts on the office side: mostly the task's own office, sometimes another office or the case side.
OFFICE_SIDE = _mostly(["own"] * 3, ["other", "reviewer"])
CASE_SIDE = _mostly(["reviewer"] * 3, ["clerk", "own"])
REASONS = _mostly(["经核实不属于本部门职责"], ["", "  "])
CODES = _mostly(["not_our_duty", "insufficient"], ["", "invented"])


def _state(case_id: int) -> dict[str, Any]:
    tasks = Task.objects.filter(case_id=case_id)
    return {
        "tasks": list(tasks.order_by("pk").values()),
        "events": list(TaskEvent.objects.filter(task__case_id=case_id).order_by("pk").values_list("pk", "kind")),
        "deadlines": list(Deadline.objects.filter(subject_type=services.TASK_SUBJECT).order_by("pk").values_list(
            "pk", "met_at", "cancelled_at", "owner_user_id", "owner_organisation_id")),
        "flags": list(DeflectionFlag.objects.filter(task__case_id=case_id).order_by("pk").values_list(
            "pk", "reason", "occurrences")),
        "audit": list(AuditEvent.objects.filter(action__startswith="referrals.").order_by("pk").values_list(
            "action", flat=True)),
        "case_events": CaseEvent.objects.filter(case_id=case_id).count(),
        "outbox": OutboxMessage.objects.count(),
    }


class TaskLine(RuleBasedStateMachine):
    setup: ClassVar[Setup]
    tally: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.tally["examples"] += 1

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    # --- helpers ---

    def _tasks(self) -> list[Task]:
        return list(services_tasks(self.setup.case_id))

    def _task(self, pick: int, *statuses: str) -> Task | None:
        """Mostly a task in one of ``statuses`` (where the move can succeed), sometimes any task."""
        tasks = self._tasks()
        fitting = [t for t in tasks if t.status in statuses] if pick < ANY else []
        chosen = fitting or tasks
        return chosen[pick % len(chosen)] if chosen else None

    def _office_key(self, office_id: int) -> str:
        return next(k for k, o in self.setup.offices.items() if o.pk == office_id)

    def _office_actor(self, task: Task, who: str) -> User:
        own = self._office_key(task.office_id)
        if who == "own":
            return self.setup.handlers[own]
        if who == "other":
            return self.setup.handlers[OFFICES[(OFFICES.index(own) + 1) % len(OFFICES)]]
        return self.setup.reviewer

    def _case_actor(self, task: Task, who: str) -> User:
        if who == "own":  # the office tries a case-side move
            return self.setup.handlers[self._office_key(task.office_id)]
        return self.setup.reviewer if who == "reviewer" else self.setup.clerk

    def _attempt(self, what: str, task: Task | None, call: Callable[[Task], Any], *, stale: int = 0) -> bool:
        if task is None:
            return False
        before = _state(self.setup.case_id)
        try:
            call(task)
        except DomainError as exc:
            after = _state(self.setup.case_id)
            assert after == before, f"refused {what} ({exc.code}: {exc.message}) changed something"
            self.tally[f"refused {what}: {exc.code or type(exc).__name__}"] += 1
            return False
        self.tally[f"done {what}"] += 1
        assert stale == 0, f"{what} succeeded with a stale version ({stale:+d})"
        after = _state(self.setup.case_id)
        old = {t["id"]: t for t in before["tasks"]}
        changed = [t for t in after["tasks"] if old.get(t["id"]) != t]
        if what != "split":
            assert len(changed) == 1 and changed[0]["version"] == old[changed[0]["id"]]["version"] + 1, what
            new_audit = [a for a in after["audit"][len(before["audit"]):] if a.startswith("referrals.task.")]
            assert len(new_audit) == 1, (what, new_audit)
            new_events = [k for _pk, k in after["events"][len(before["events"]):] if k != TaskEventKind.FLAGGED]
            assert len(new_events) == 1, (what, new_events)
        return True

    # --- moves ---

    @initialize()
    def start(self) -> None:
        self.split(offices=["medical", "health"], who="reviewer")

    @rule(offices=st.lists(OFFICE, min_size=1, max_size=3, unique=True), who=CASE_SIDE)
    def split(self, offices: list[str], who: str) -> None:
        actor = self.setup.reviewer if who == "reviewer" else self.setup.clerk
        case = Case.objects.select_related("handling_region").get(pk=self.setup.case_id)
        drafts = [services.TaskDraft(office_id=self.setup.offices[k].pk, description="请办理", required_result="结果")
                  for k in offices]
        done = self._attempt("split", self._tasks()[0] if self._tasks() else Task(case=case), lambda _t: (
            services.tasks_open(actor=actor, case=case, drafts=drafts)))
        if done:
            assert who == "reviewer", "a clerk split a case"

    @rule(pick=PICK, who=OFFICE_SIDE, stale=STALE)
    def accept(self, pick: int, who: str, stale: int) -> None:
        task = self._task(pick, TaskStatus.PENDING)
        if task is not None and self._attempt("accept", task, lambda t: services.task_accept(
                actor=self._office_actor(t, who), task=t, version=t.version + stale), stale=stale):
            assert who == "own"

    @rule(pick=PICK, who=OFFICE_SIDE, stale=STALE, code=CODES, reason=REASONS)
    def return_task(self, pick: int, who: str, stale: int, code: str, reason: str) -> None:
        task = self._task(pick, *LIVE)
        if task is not None and self._attempt("return", task, lambda t: services.task_return(
                actor=self._office_actor(t, who), task=t, version=t.version + stale, reason_code=code,
                reason=reason), stale=stale):
            assert who == "own" and reason.strip() and code in {"not_our_duty", "insufficient"}

    @rule(pick=PICK, who=OFFICE_SIDE, stale=STALE, reason=REASONS)
    def ask(self, pick: int, who: str, stale: int, reason: str) -> None:
        task = self._task(pick, *LIVE)
        self._attempt("ask", task, lambda t: services.task_ask(
            actor=self._office_actor(t, who), task=t, version=t.version + stale, text=reason), stale=stale)

    @rule(pick=PICK, who=OFFICE_SIDE, stale=STALE, reason=REASONS)
    def progress(self, pick: int, who: str, stale: int, reason: str) -> None:
        task = self._task(pick, TaskStatus.ACCEPTED)
        self._attempt("progress", task, lambda t: services.task_progress(
            actor=self._office_actor(t, who), task=t, version=t.version + stale, text=reason), stale=stale)

    @rule(pick=PICK, who=OFFICE_SIDE, stale=STALE, result=REASONS,
          amount=st.sampled_from([None, 0, 150000, -1]))
    def complete(self, pick: int, who: str, stale: int, result: str, amount: int | None) -> None:
        task = self._task(pick, TaskStatus.ACCEPTED)
        if task is not None and self._attempt("complete", task, lambda t: services.task_complete(
                actor=self._office_actor(t, who), task=t, version=t.version + stale, result=result,
                amount_fen=amount), stale=stale):
            assert result.strip() and (amount is None or amount >= 0)

    @rule(pick=PICK, who=OFFICE_SIDE, stale=STALE, to=OFFICE, reason=REASONS)
    def transfer(self, pick: int, who: str, stale: int, to: str, reason: str) -> None:
        task = self._task(pick, *LIVE)
        if task is not None and self._attempt("transfer", task, lambda t: services.task_transfer(
                actor=self._office_actor(t, who), task=t, version=t.version + stale,
                to_office_id=self.setup.offices[to].pk, reason=reason), stale=stale):
            assert who == "own" and reason.strip()

    @rule(pick=PICK, who=CASE_SIDE, stale=STALE, to=OFFICE, reason=REASONS)
    def reassign(self, pick: int, who: str, stale: int, to: str, reason: str) -> None:
        task = self._task(pick, TaskStatus.RETURNED)
        if task is not None and self._attempt("reassign", task, lambda t: services.task_reassign(
                actor=self._case_actor(t, who), task=t, version=t.version + stale,
                to_office_id=self.setup.offices[to].pk, reason=reason), stale=stale):
            assert who == "reviewer"

    @rule(pick=PICK, who=CASE_SIDE, stale=STALE, reason=REASONS)
    def answer(self, pick: int, who: str, stale: int, reason: str) -> None:
        task = self._task(pick, *LIVE)
        self._attempt("answer", task, lambda t: services.task_answer(
            actor=self._case_actor(t, who), task=t, version=t.version + stale, text=reason), stale=stale)

    @rule(pick=PICK, who=CASE_SIDE, stale=STALE, reason=REASONS, dice=st.integers(0, 3))
    def cancel(self, pick: int, who: str, stale: int, reason: str, dice: int) -> None:
        if dice:  # a recall is rarer than the other moves: it ends the task
            return
        task = self._task(pick, *OPEN_STATUSES)
        self._attempt("cancel", task, lambda t: services.task_cancel(
            actor=self._case_actor(t, who), task=t, version=t.version + stale, reason=reason), stale=stale)

    # --- invariants ---

    @invariant()
    def every_task_keeps_its_rules(self) -> None:
        tasks = self._tasks()
        for task in tasks:
            self.tally[f"status:{task.status}"] += 1
            deadlines = Deadline.objects.filter(subject_type=services.TASK_SUBJECT, subject_id=str(task.pk))
            running = deadlines.filter(met_at__isnull=True, cancelled_at__isnull=True)
            if task.status in (TaskStatus.PENDING, TaskStatus.ACCEPTED):
                # Exactly one running deadline, the office's, and it is the task's.
                assert running.count() == 1 and running.get().pk == task.deadline_id, task.status
                assert running.get().owner_organisation_id == task.office_id
            else:
                assert running.count() == 0, (task.status, list(running.values()))
            if task.status == TaskStatus.COMPLETED:
                assert task.result.strip() and deadlines.get(pk=task.deadline_id).met_at is not None
            if task.status == TaskStatus.ACCEPTED:
                assert task.handler is not None
            events = list(task.events.order_by("at", "id"))
            returns = sum(e.kind == TaskEventKind.RETURNED for e in events)
            assert task.returns == returns
            assert all(e.reason_code and e.text.strip() for e in events if e.kind == TaskEventKind.RETURNED)
            path = [e.to_office_id for e in events if e.kind in HAND_OFFS]
            assert path[-1] == task.office_id
            flags = set(task.flags.values_list("reason", flat=True))
            assert (FlagReason.RETURNS in flags) == (returns >= RETURNS_LIMIT), (returns, flags)
            cycled = any(deflection.find_cycle(path[:k]) for k in range(3, len(path) + 1))
            assert (FlagReason.CYCLE in flags) == cycled, (path, flags)
            if cycled:
                self.tally["cycles"] += 1
        case = Case.objects.get(pk=self.setup.case_id)
        blocked = services.open_tasks_block_closing(case) is not None
        assert blocked == any(t.status in OPEN_STATUSES for t in tasks)
        assert (services.open_tasks_block_closing(case) is not None) == bool(
            [b for b in close_blockers(case) if "部门任务" in b])


def services_tasks(case_id: int) -> Iterator[Task]:
    return iter(Task.objects.filter(case_id=case_id).select_related(
        "case", "case__handling_region", "office", "office__region", "office__department_type", "deadline")
        .order_by("sequence"))


@pytest.fixture(autouse=True)
def _fresh_policy_cache() -> Iterator[None]:
    policy_cache_invalidate()
    yield
    policy_cache_invalidate()


def _office(code: str, department: str, name: str) -> Organisation:
    return Organisation.objects.get_or_create(
        kind=OrganisationKind.DEPARTMENT_OFFICE, region=Region.objects.get(code=code),
        department_type=DepartmentType.objects.get(code=department), defaults={"name": name})[0]


def _setup() -> Setup:
    world = build_world()
    load_policy_defaults()
    offices = {"medical": _office(XUANWU, "medical_security", "玄武区医保局"), "health": world.health_office,
               "housing": _office(XUANWU, "housing", "玄武区住建局"),
               "gulou_health": _office(GULOU, "health", "鼓楼区卫健委")}
    handlers = {}
    for key, office in offices.items():
        user = User.objects.create_user(username=f"sm_{key}", password=PASSWORD, organisation=office)
        Grant.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, region=office.region,
                             department_type=office.department_type)
        handlers[key] = user
    clerk = persona(world, Role.WINDOW_CLERK, at=XUANWU)
    case = case_intake(actor=clerk, data=intake(handling_region_code=TOWNSHIP, needs=["medical"])).case
    return Setup(offices=offices, handlers=handlers, reviewer=persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU),
                 clerk=clerk, case_id=case.pk)


def test_random_runs_of_department_tasks_keep_their_invariants() -> None:
    TaskLine.setup = _setup()
    TaskLine.tally = Counter()
    run_state_machine_as_test(TaskLine, settings=SETTINGS)
    tally = TaskLine.tally
    print("\n" + "\n".join(f"{n:6d}  {k}" for k, n in sorted(tally.items())))
    # The runs reached every kind of move and state (a machine that is only ever refused proves little).
    for what in ("accept", "return", "complete", "transfer", "reassign", "cancel"):
        assert tally[f"done {what}"] > 0, what
    assert tally["cycles"] > 0 and tally["status:completed"] > 0
