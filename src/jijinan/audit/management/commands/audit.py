"""`jijinan audit verify | seal`: check the audit hash chains, or seal pending rows now."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from jijinan.audit.chain import VerifyReport, grace_seconds, verify_chain
from jijinan.audit.services import audit_seal


def _bilingual(report: VerifyReport) -> list[str]:
    """Each line of the report in Chinese, followed by its English when the catalogue has it."""
    with translation.override("zh-hans"):
        chinese = report.messages()
    with translation.override("en"):
        english = report.messages()
    return [zh if zh == en else f"{zh}\n  {en}" for zh, en in zip(chinese, english, strict=True)]


class Command(BaseCommand):
    help = "审计链：校验或立即封存 / Audit chains: verify them, or seal pending rows now"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify_help = ("校验审计事件与访问日志的哈希链；发现问题时退出码为 1 / verify the hash chains "
                       "of audit events and the access log; exit code 1 on a problem")
        verify = sub.add_parser("verify", help=verify_help, description=verify_help)
        verify.add_argument(
            "--grace", type=int, default=None,
            help=f"未封存记录的宽限秒数（默认 {grace_seconds()}）/ seconds a row may stay unsealed "
                 f"(default {grace_seconds()})")
        seal_help = "立即封存待封存的记录 / seal the pending rows now"
        seal = sub.add_parser("seal", help=seal_help, description=seal_help)
        seal.add_argument("--batch-size", type=int, default=1000,
                          help="每个事务封存的条数 / rows sealed per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal":
            result = audit_seal(batch_size=max(1, options["batch_size"]))
            self.stdout.write(self.style.SUCCESS(
                f"已封存 / sealed: 审计事件 / audit events {result.audit}, "
                f"访问日志 / access log {result.access}"))
            return
        report = verify_chain(grace=options["grace"])
        for line in _bilingual(report):
            self.stdout.write(line)
        if not report.ok:
            firsts = [f"{c.chain} #{c.first_tampered_seq}" for c in report.chains
                      if c.first_tampered_seq is not None]
            raise CommandError(
                "审计链校验未通过 / the audit chains failed verification"
                + (f"；首个被篡改的序号 / first tampered seq: {', '.join(firsts)}" if firsts else ""),
                returncode=1)
        self.stdout.write(self.style.SUCCESS("审计链校验通过 / the audit chains verify"))
