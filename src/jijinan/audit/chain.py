"""The hash chains: the canonical form of a row, its hash, and the verification of a chain.

A sealed row's hash is ``sha256(prev_hash + canonical JSON of its content)``; the content
includes its position (``seq``) and the chain's name. The canonical JSON is the same on SQLite
and PostgreSQL (datetimes as UTC ISO with microseconds, keys sorted, UTF-8 text), so a database
copied from one to the other still verifies.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.audit.choices import SealChain
from jijinan.audit.models import AccessLog, AuditEvent, SealedRow, SealState

GENESIS = ""  # the prev_hash of seq 1
DEFAULT_GRACE_SECONDS = 120
VERIFY_CHUNK = 2000
MAX_LISTED = 100  # problems of one kind listed per chain (all of them are counted)


@dataclass(frozen=True)
class ChainSpec:
    chain: str
    model: type[AuditEvent] | type[AccessLog]
    time_field: str
    fields: tuple[str, ...]  # the content that is hashed, as ``.values()`` names


_COMMON = ("id", "actor_id", "actor_label", "subject_type", "subject_id", "subject_label",
           "region_code", "request_id", "ip")
CHAINS: dict[str, ChainSpec] = {
    SealChain.AUDIT: ChainSpec(
        SealChain.AUDIT, AuditEvent, "occurred_at",
        (*_COMMON, "action", "outcome", "changes", "note", "occurred_at", "seq", "sealed_at")),
    SealChain.ACCESS: ChainSpec(
        SealChain.ACCESS, AccessLog, "at",
        (*_COMMON, "kind", "fields", "purpose", "rows", "at", "seq", "sealed_at")),
}


def _normalise(value: Any) -> Any:
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value.compressed
    if isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv6Interface):
        return value.ip.compressed
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def canonical_json(chain: str, content: dict[str, Any]) -> str:
    body = {"chain": chain, **{k: _normalise(v) for k, v in content.items()}}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_hash(prev_hash: str, chain: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(chain, content)).encode("utf-8")).hexdigest()


def content_of(spec: ChainSpec, row: SealedRow) -> dict[str, Any]:
    """A model instance's hashed content, keyed exactly like ``.values(*spec.fields)``."""
    return {name: getattr(row, name) for name in spec.fields}


def grace_seconds() -> int:
    return int(getattr(settings, "JIJINAN_AUDIT_UNSEALED_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))


# --- verification ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainProblem:
    """``tampered``: the row's content no longer matches its hash. ``broken_link``: the row
    does not follow the row before it (one of the two was rewritten with a fresh hash).
    ``missing``: seqs ``seq``…``seq_to`` are gone. ``head``: the chain's last row does not
    match the seal state (the tail was rewritten)."""

    kind: str
    seq: int
    seq_to: int | None = None
    row_id: int | None = None


@dataclass
class ChainReport:
    chain: str
    grace_seconds: int = DEFAULT_GRACE_SECONDS
    head_seq: int = 0
    checked: int = 0
    problem_total: int = 0
    tampered_count: int = 0
    missing_count: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    unsealed: int = 0  # rows not sealed yet, overdue or not
    unsealed_overdue: int = 0
    oldest_overdue_id: int | None = None
    oldest_overdue_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unsealed_overdue

    @property
    def first_tampered_seq(self) -> int | None:
        """The lowest seq of a row that was changed (for a broken link, the row before it)."""
        seqs = [p.seq - 1 if p.kind == "broken_link" else p.seq
                for p in self.problems if p.kind in {"tampered", "broken_link", "head"}]
        return min(seqs) if seqs else None

    @property
    def missing(self) -> list[tuple[int, int]]:
        return [(p.seq, p.seq_to or p.seq) for p in self.problems if p.kind == "missing"]

    def _add(self, problem: ChainProblem) -> None:
        self.problem_total += 1
        if problem.kind == "missing":
            self.missing_count += (problem.seq_to or problem.seq) - problem.seq + 1
        else:
            self.tampered_count += 1
        if sum(1 for p in self.problems if p.kind == problem.kind) < MAX_LISTED:
            self.problems.append(problem)

    def messages(self) -> list[str]:
        """What an operator reads, in the active language."""
        name = str(SealChain(self.chain).label)
        lines: list[str] = []
        for p in self.problems:
            if p.kind == "tampered":
                lines.append(_("%(chain)s：序号 %(seq)s（编号 %(id)s）的内容与其哈希不符，该记录已被篡改")
                             % {"chain": name, "seq": p.seq, "id": p.row_id})
            elif p.kind == "broken_link":
                lines.append(_("%(chain)s：序号 %(seq)s（编号 %(id)s）与前一条序号 %(prev)s 衔接不上，"
                               "其中一条已被改写") % {"chain": name, "seq": p.seq, "id": p.row_id,
                                                     "prev": p.seq - 1})
            elif p.kind == "missing":
                if p.seq_to and p.seq_to != p.seq:
                    lines.append(_("%(chain)s：缺少序号 %(from)s 至 %(to)s，记录已被删除")
                                 % {"chain": name, "from": p.seq, "to": p.seq_to})
                else:
                    lines.append(_("%(chain)s：缺少序号 %(seq)s，记录已被删除")
                                 % {"chain": name, "seq": p.seq})
            elif p.kind == "head":
                lines.append(_("%(chain)s：最后一条（序号 %(seq)s）与封存状态记录的链尾不符，链尾已被改写")
                             % {"chain": name, "seq": p.seq})
        hidden = self.problem_total - len(self.problems)
        if hidden > 0:
            lines.append(_("%(chain)s：另有 %(n)s 处问题未列出") % {"chain": name, "n": hidden})
        if self.unsealed_overdue:
            at = timezone.localtime(self.oldest_overdue_at) if self.oldest_overdue_at else None
            lines.append(_("%(chain)s：%(n)s 条记录超过 %(s)s 秒仍未封存（最早一条编号 %(id)s，"
                           "记录于 %(at)s）；请检查后台进程是否在运行")
                         % {"chain": name, "n": self.unsealed_overdue, "s": self.grace_seconds,
                            "id": self.oldest_overdue_id,
                            "at": at.strftime("%Y-%m-%d %H:%M:%S") if at else "-"})
        if self.ok:
            lines.append(_("%(chain)s：已封存 %(n)s 条，链完整；待封存 %(u)s 条")
                         % {"chain": name, "n": self.checked, "u": self.unsealed})
        return lines


@dataclass
class VerifyReport:
    checked_at: datetime
    grace_seconds: int
    chains: list[ChainReport]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.chains)

    def chain(self, name: str) -> ChainReport:
        return next(c for c in self.chains if c.chain == name)

    def messages(self) -> list[str]:
        return [line for c in self.chains for line in c.messages()]


def _sealed_rows(spec: ChainSpec, head: int) -> Iterator[dict[str, Any]]:
    # Keyset pages by seq: no long-lived cursor, the same on every database.
    after = 0
    names = sorted({*spec.fields, "prev_hash", "hash"})
    while True:
        page = list(spec.model.objects.filter(seq__gt=after, seq__lte=head)
                    .order_by("seq").values(*names)[:VERIFY_CHUNK])
        yield from page
        if len(page) < VERIFY_CHUNK:
            return
        after = page[-1]["seq"]


def verify_one(chain: str, *, now: datetime | None = None, grace: int | None = None) -> ChainReport:
    spec = CHAINS[chain]
    now = now or timezone.now()
    grace = grace_seconds() if grace is None else grace
    # The head is read first: rows sealed while we check lie beyond it and wait for next time.
    state = SealState.objects.filter(chain=chain).first()
    head = state.last_seq if state else 0
    report = ChainReport(chain=chain, grace_seconds=grace, head_seq=head)
    expected_seq, expected_prev, linked = 1, GENESIS, True
    for row in _sealed_rows(spec, head):
        seq = row["seq"]
        if seq > expected_seq:
            report._add(ChainProblem("missing", expected_seq, seq - 1))
            linked = False  # the link across a gap cannot be checked
        content = {name: row[name] for name in spec.fields}
        if row["hash"] != row_hash(row["prev_hash"], chain, content):
            report._add(ChainProblem("tampered", seq, row_id=row["id"]))
        elif linked and row["prev_hash"] != expected_prev:
            report._add(ChainProblem("broken_link", seq, row_id=row["id"]))
        expected_seq, expected_prev, linked = seq + 1, row["hash"], True
        report.checked += 1
    if expected_seq <= head:
        report._add(ChainProblem("missing", expected_seq, head))
    elif head and state is not None and linked and expected_prev != state.last_hash:
        report._add(ChainProblem("head", head))
    unsealed = spec.model.objects.filter(seq__isnull=True)
    report.unsealed = unsealed.count()
    overdue = unsealed.filter(**{f"{spec.time_field}__lt": now - timedelta(seconds=grace)})
    oldest = overdue.aggregate(id=Min("id"), at=Min(spec.time_field))
    report.unsealed_overdue = overdue.count() if oldest["id"] is not None else 0
    report.oldest_overdue_id, report.oldest_overdue_at = oldest["id"], oldest["at"]
    return report


def verify_chain(*, now: datetime | None = None, grace: int | None = None) -> VerifyReport:
    """Recompute both chains from the stored rows; read-only.

    Reports rows whose content no longer matches their hash, broken links, deleted seqs, a
    rewritten tail, and rows left unsealed longer than the grace period
    (``settings.JIJINAN_AUDIT_UNSEALED_GRACE_SECONDS``, 120 by default).
    """
    now = now or timezone.now()
    grace = grace_seconds() if grace is None else grace
    return VerifyReport(checked_at=now, grace_seconds=grace,
                        chains=[verify_one(c, now=now, grace=grace) for c in CHAINS])
