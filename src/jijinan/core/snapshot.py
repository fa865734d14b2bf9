"""Dataclass snapshots: typed inputs to JSON and back, exactly (dates, Decimals, nested, tuples).

A decision stores its inputs so that it can be recomputed on appeal years later; the stored form
must give back the very same typed values. ``to_json`` writes dates as ISO text and Decimals as
text (never floats); ``from_json`` rebuilds the dataclass from its type hints and refuses what does
not fit, naming the field.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.utils.translation import gettext as _

T = TypeVar("T")


class SnapshotError(ValueError):
    """A stored or submitted snapshot does not fit the type; ``field`` is the dotted path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def to_json(value: Any) -> Any:
    """The JSON-safe form of a dataclass (or of any value inside one)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_json(v) for v in value)  # a set has no order: stored sorted, so stable
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(cls: type[T], data: Any, *, path: str = "") -> T:
    """Rebuild ``cls`` (a dataclass) from its JSON form; unknown keys are refused."""
    return typing.cast(T, _convert(cls, data, path or cls.__name__))


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        last: SnapshotError | None = None
        for option in options:
            try:
                return _convert(option, data, path)
            except SnapshotError as exc:
                last = exc
        raise last or SnapshotError(path, _("不能为空"))
    if data is None:
        raise SnapshotError(path, _("不能为空"))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(data, dict):
            raise SnapshotError(path, _("应为对象"))
        hints = _hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise SnapshotError(f"{path}.{unknown[0]}", _("不认识的字段"))
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required and name not in data:
                raise SnapshotError(f"{path}.{name}", _("缺少此项"))
        kwargs = {name: _convert(hints[name], data[name], f"{path}.{name}")
                  for name in fields if name in data}
        return tp(**kwargs)
    if origin in (tuple, list, frozenset, set):
        if not isinstance(data, (list, tuple)):
            raise SnapshotError(path, _("应为列表"))
        inner = args[0] if args else Any
        items = [_convert(inner, v, f"{path}[{i}]") for i, v in enumerate(data)]
        if origin in (frozenset, set):
            return origin(items)
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(data, dict):
            raise SnapshotError(path, _("应为对象"))
        key_type, value_type = args if args else (Any, Any)
        return {_convert(key_type, k, path): _convert(value_type, v, f"{path}.{k}") for k, v in data.items()}
    if tp is bool:
        if not isinstance(data, bool):
            raise SnapshotError(path, _("应为是或否"))
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise SnapshotError(path, _("应为整数"))
        return data
    if tp is str:
        if not isinstance(data, str):
            raise SnapshotError(path, _("应为文字"))
        return data
    if tp is Decimal:
        if isinstance(data, (bool, float)):
            raise SnapshotError(path, _("应为数字文字（不用浮点数）"))
        try:
            return Decimal(str(data))
        except InvalidOperation as exc:
            raise SnapshotError(path, _("不是有效的数字")) from exc
    if tp is datetime:
        try:
            return datetime.fromisoformat(data)
        except (TypeError, ValueError) as exc:
            raise SnapshotError(path, _("不是有效的时间")) from exc
    if tp is date:
        try:
            return date.fromisoformat(data)
        except (TypeError, ValueError) as exc:
            raise SnapshotError(path, _("不是有效的日期")) from exc
    if isinstance(tp, type) and issubclass(tp, (str, int)) and tp not in (str, int):
        try:
            return tp(data)  # an enum
        except ValueError as exc:
            raise SnapshotError(path, _("不是允许的取值")) from exc
    raise SnapshotError(path, f"unsupported type {tp!r}")
