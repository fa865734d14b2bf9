"""The import sources: one mapping file per source (``mappings/*.toml``) declares its columns,
their types and checks, the department that sends it and what its rows become."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from jijinan.core.errors import NotFound
from jijinan.exchange.choices import ColumnType, ImportTarget
from jijinan.exchange.errors import ExchangeErrorCode as E

MAPPINGS = Path(__file__).resolve().parent / "mappings"
# Columns every target needs, by key.
REQUIRED_KEYS = {
    ImportTarget.PERSON: {"name", "id_number", "region_code"},
    ImportTarget.MEMBERSHIP: {"name", "id_number", "program", "start_date", "region_code"},
    ImportTarget.EVENT: {"name", "id_number", "event_date", "region_code"},
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: ColumnType
    required: bool = False
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    min: int | None = None
    max: int | None = None
    choices: dict[str, str] = field(default_factory=dict)
    not_future: bool = False
    levels: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    department_type: str
    target: ImportTarget
    kind: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    path: Path | None = None

    @functools.cached_property
    def by_name(self) -> dict[str, Column]:
        """Every accepted header (name or alias, case-folded) → its column."""
        names: dict[str, Column] = {}
        for column in self.columns:
            for name in column.names:
                names[normalise_header(name)] = column
        return names

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def normalise_header(text: str) -> str:
    # Full-width brackets, spaces and case vary between offices' spreadsheets.
    return "".join(str(text).split()).replace("（", "(").replace("）", ")").casefold()


def _column(raw: dict[str, Any], where: str) -> Column:
    try:
        kind = ColumnType(raw["type"])
    except (KeyError, ValueError):
        raise ValueError(f"{where}: column {raw.get('key')!r} has no valid type") from None
    if kind == ColumnType.CHOICE and not raw.get("choices"):
        raise ValueError(f"{where}: choice column {raw['key']!r} without choices")
    return Column(
        key=raw["key"], header=raw["header"], type=kind, required=bool(raw.get("required", False)),
        aliases=tuple(raw.get("aliases", ())), max_length=raw.get("max_length"), min=raw.get("min"),
        max=raw.get("max"), choices=dict(raw.get("choices", {})), not_future=bool(raw.get("not_future")),
        levels=tuple(raw.get("levels", ())))


def load_source(path: Path) -> Source:
    with path.open("rb") as f:
        raw = tomllib.load(f)
    target = ImportTarget(raw["target"])
    columns = tuple(_column(c, path.name) for c in raw["columns"])
    keys = [c.key for c in columns]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{path.name}: a column key appears twice")
    missing = REQUIRED_KEYS[target] - set(keys)
    if missing:
        raise ValueError(f"{path.name}: target {target} needs columns {sorted(missing)}")
    unique = tuple(raw.get("unique", ()))
    if set(unique) - set(keys):
        raise ValueError(f"{path.name}: unique names unknown columns")
    source = Source(code=raw["code"], name=raw["name"], department_type=raw["department_type"],
                    target=target, kind=raw["kind"], columns=columns, unique=unique, path=path)
    if len(source.by_name) != sum(len(c.names) for c in columns):
        raise ValueError(f"{path.name}: two columns share a header or alias")
    return source


@functools.cache
def all_sources() -> dict[str, Source]:
    sources = {}
    for path in sorted(MAPPINGS.glob("*.toml")):
        source = load_source(path)
        if source.code in sources:
            raise ValueError(f"source {source.code!r} is declared twice")
        sources[source.code] = source
    return sources


def source_get(code: str) -> Source:
    try:
        return all_sources()[code]
    except KeyError:
        raise NotFound(_("没有名为 %(code)s 的数据来源") % {"code": code}, code=E.UNKNOWN_SOURCE) from None
