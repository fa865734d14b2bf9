"""Explanations: one line per criterion (rule, value used, parameter versions, pass or fail), in both
languages, so a stored decision reads the same in Chinese and English whatever the reader's locale."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import translation

from jijinan.core.vocabulary import english_active
from jijinan.policy.lookup import ParameterValue
from jijinan.policy.values import display, plain, yuan


@dataclass(frozen=True)
class Text:
    """The same words in Chinese and English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en if english_active() else self.zh

    def __add__(self, other: Text) -> Text:
        return Text(self.zh + other.zh, self.en + other.en)


def join(parts: list[Text], zh_sep: str = "；", en_sep: str = "; ") -> Text:
    return Text(zh_sep.join(p.zh for p in parts), en_sep.join(p.en for p in parts))


def money(fen: int | Decimal) -> Text:
    """An amount in fen as yuan with two decimals (an exact Decimal amount is rounded for display)."""
    whole = int(Decimal(fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Text(f"{yuan(whole)} 元", f"{yuan(whole)} yuan")


def number(d: Decimal | int) -> str:
    return plain(Decimal(d))


@dataclass(frozen=True)
class ParameterRef:
    """What a line cites about a parameter: its name, the version used and the value."""

    name: str
    version_id: int
    region_code: str
    value: Any  # the stored (JSON) form
    label_zh: str
    label_en: str
    display_zh: str
    display_en: str

    @classmethod
    def of(cls, found: ParameterValue) -> ParameterRef:
        with translation.override("zh-hans"):
            zh = display(found.kind, found.stored, found.unit)
        with translation.override("en"):
            en = display(found.kind, found.stored, found.unit_en or found.unit)
        return cls(name=found.name, version_id=found.version_id, region_code=found.region_code,
                   value=found.stored, label_zh=found.label or found.name,
                   label_en=found.label_en or found.label or found.name, display_zh=zh, display_en=en)

    def to_record(self) -> dict[str, Any]:
        return {"name": self.name, "version_id": self.version_id, "region_code": self.region_code,
                "value": self.value}

    def render(self) -> str:
        if english_active():
            return f"{self.label_en} = {self.display_en} (v{self.version_id})"
        return f"{self.label_zh} = {self.display_zh}（版本 {self.version_id}）"


@dataclass(frozen=True)
class Line:
    """One criterion: the rule (a stable code and its label), the value used and whether it passed.

    ``passed`` is None for a line that computes rather than tests (an amount, a care level).
    """

    rule: str
    label_zh: str
    label_en: str
    value_zh: str
    value_en: str
    passed: bool | None
    parameters: tuple[ParameterRef, ...] = ()

    @classmethod
    def make(cls, rule: str, label: Text, value: Text, passed: bool | None,
             *parameters: ParameterValue) -> Line:
        return cls(rule=rule, label_zh=label.zh, label_en=label.en, value_zh=value.zh, value_en=value.en,
                   passed=passed, parameters=tuple(ParameterRef.of(p) for p in parameters))

    def label(self) -> str:
        return self.label_en if english_active() else self.label_zh

    def value(self) -> str:
        return self.value_en if english_active() else self.value_zh

    def verdict(self) -> str:
        if self.passed is None:
            return ""
        if english_active():
            return "pass" if self.passed else "fail"
        return "符合" if self.passed else "不符合"

    def render(self) -> str:
        """The line as one sentence in the active language."""
        cited = "; ".join(p.render() for p in self.parameters) if english_active() else "；".join(
            p.render() for p in self.parameters)
        text = f"{self.label()}: {self.value()}" if english_active() else f"{self.label()}：{self.value()}"
        if cited:
            text += f" [{cited}]" if english_active() else f"【{cited}】"
        verdict = self.verdict()
        if verdict:
            text += f" — {verdict}" if english_active() else f" —— {verdict}"
        return text

    def to_record(self) -> dict[str, Any]:
        return {"rule": self.rule, "label_zh": self.label_zh, "label_en": self.label_en,
                "value_zh": self.value_zh, "value_en": self.value_en, "passed": self.passed,
                "parameters": [p.to_record() for p in self.parameters]}


@dataclass(frozen=True)
class Explanation:
    """Every line of a calculation, its outcome and every parameter version it read."""

    program: str
    calculator_version: str
    outcome: str
    outcome_zh: str
    outcome_en: str
    lines: tuple[Line, ...]
    parameters: tuple[ParameterValue, ...] = field(default=())

    def summary(self) -> str:
        return self.outcome_en if english_active() else self.outcome_zh

    def render(self) -> list[str]:
        return [line.render() for line in self.lines]

    def to_record(self) -> dict[str, Any]:
        return {"program": self.program, "calculator_version": self.calculator_version,
                "outcome": self.outcome, "outcome_zh": self.outcome_zh, "outcome_en": self.outcome_en,
                "lines": [line.to_record() for line in self.lines],
                "parameters": [p.to_record() for p in self.parameters]}


class Lines:
    """Collects the lines of one calculation in order."""

    def __init__(self) -> None:
        self._lines: list[Line] = []

    def add(self, rule: str, label: Text, value: Text, passed: bool | None,
            *parameters: ParameterValue) -> bool | None:
        self._lines.append(Line.make(rule, label, value, passed, *parameters))
        return passed

    def all(self) -> tuple[Line, ...]:
        return tuple(self._lines)
