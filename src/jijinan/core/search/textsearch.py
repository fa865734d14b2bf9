"""Keyword search over Chinese and mixed text that finds two-character terms, on SQLite and PostgreSQL.

Neither database splits Chinese into words (SQLite's trigram tokenizer finds nothing for 张伟;
PostgreSQL's parsers see a whole run of Chinese as one word), so the text is split here, once,
when it is indexed: every Chinese character and every overlapping pair of characters (bigram),
and every latin or digit word, lower-cased. ``SearchEntry.text_tokens`` keeps those tokens, and
each database's own full-text index is built over them:

- PostgreSQL: a GIN index over ``array_to_tsvector(string_to_array(text_tokens, ' '))``. The
  tokens become lexemes as they are, with no parser in between (``to_tsvector`` would split
  ``jj-320102`` again and treat digits its own way); queries are ``tsquery`` values built from
  quoted lexemes.
- SQLite: an FTS5 table whose rowid is the entry's id, kept in step by the services here. Each
  token is stored hex-encoded, so FTS5's ``ascii`` tokenizer sees plain ``[0-9a-f]`` words: which
  characters unicode61 treats as separators (hyphens, characters newer than its tables) then
  cannot matter, and a prefix of a token is still a prefix of its encoding.

A query is split the same way and every term must be present (AND). A one-character Chinese term
uses the single character, a longer one the bigrams of it: 张小伟 looks for 张小 and 小伟 anywhere
in the text, so it also finds "张小 … 小伟" in two different places. That over-match is accepted;
an exact phrase is not promised. 伟张 does not find a text holding only 张伟. Latin words and
digits match as prefixes of a word; a hyphenated number (``JJ-320102-2026-000123``) is indexed
whole and by its parts, so ``000123`` and the full number (or its beginning) both find it. With
``whole_words`` a latin or digit word matches only a whole indexed word: a number typed in full
then finds that number and not the longer ones it begins (``NJ-0001`` and not ``NJ-00012``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.db.models import F, Func, Q, QuerySet
from django.db.models.functions import Cast, Lower, Replace
from django.utils import timezone

from jijinan.core.search.models import SearchEntry

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

FTS_TABLE = "core_searchentry_fts"
MAX_TOKEN_CHARS = 64  # longer "words" (pasted hashes, URLs) are cut: far below the lexeme limit
MAX_QUERY_TERMS = 32  # a pasted paragraph is not a query; its first terms are plenty to narrow

# CJK Unified Ideographs, Extension A, compatibility ideographs, Extensions B–H, and 〇.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\U00031350-\U000323af"
_RUNS = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+(?:[-_./][^\W_{_HAN}]+)*)")
_JOINERS = re.compile(r"[-_./]")


def _runs(text: str) -> Iterable[tuple[str, str]]:
    """(kind, run) for each Chinese run and each latin/digit word (joined by - _ . /) of ``text``."""
    normalised = unicodedata.normalize("NFKC", text or "")
    for match in _RUNS.finditer(normalised):
        if match.group("han"):
            yield "han", match.group("han")
        else:
            yield "word", match.group("word").lower()


def _word_parts(word: str) -> tuple[list[str], str | None]:
    """The parts of a word, and its whole form when it has several parts (joiners become '-')."""
    parts = [p[:MAX_TOKEN_CHARS] for p in _JOINERS.split(word) if p]
    whole = "-".join(parts)[:MAX_TOKEN_CHARS] if len(parts) > 1 else None
    return parts, whole


def tokens(text: str) -> list[str]:
    """The index tokens of ``text``, distinct, in order of first appearance.

    Chinese runs give every single character and every overlapping bigram; latin and digit words
    give their lower-cased parts and, when joined by ``- _ . /``, the whole word with ``-``
    between the parts. Punctuation and spaces give nothing.
    """
    seen: dict[str, None] = {}
    for kind, run in _runs(text):
        if kind == "han":
            for char in run:
                seen.setdefault(char, None)
            for i in range(len(run) - 1):
                seen.setdefault(run[i:i + 2], None)
        else:
            parts, whole = _word_parts(run)
            for part in parts:
                seen.setdefault(part, None)
            if whole:
                seen.setdefault(whole, None)
    return list(seen)


def query_terms(query: str, *, whole_words: bool = False) -> list[tuple[str, bool]]:
    """The terms a query must all match, as ``(token, is_prefix)``, distinct, at most 32; with
    ``whole_words`` no term is a prefix."""
    terms: dict[tuple[str, bool], None] = {}
    for kind, run in _runs(query):
        if kind == "han":
            grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
            for gram in grams:
                terms.setdefault((gram, False), None)
        else:
            parts, whole = _word_parts(run)
            # A joined word is looked up whole (so "JJ-320102-2026" finds every number it begins);
            # its parts alone would also match parts scattered across the text.
            terms.setdefault((whole or parts[0], not whole_words), None)
    return list(terms)[:MAX_QUERY_TERMS]


# --- the database side ---------------------------------------------------------------------------


def _hex(token: str) -> str:
    return token.encode("utf-8").hex()


def _fts_match(terms: list[tuple[str, bool]]) -> str:
    # Only hex digits go into the expression, quoted: nothing the user typed reaches FTS5's syntax.
    return " AND ".join(f'"{_hex(token)}"' + ("*" if prefix else "") for token, prefix in terms)


def _tsquery(terms: list[tuple[str, bool]]) -> str:
    def lexeme(token: str, prefix: bool) -> str:
        quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if prefix else "")

    return " & ".join(lexeme(token, prefix) for token, prefix in terms)


class _TokensMatch(Func):
    """``text_tokens`` matches a tsquery, written as the expression the GIN index is built on."""

    output_field = models.BooleanField()

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, function: str | None = None,
               template: str | None = None, arg_joiner: str | None = None, **extra_context: Any
               ) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.source_expressions[0])
        query, query_params = compiler.compile(self.source_expressions[1])
        return (f"array_to_tsvector(string_to_array({column}, ' ')) @@ ({query})::tsquery",
                (*params, *query_params))


def _fts_sync(entry_ids: list[int], token_lists: list[list[str]] | None) -> None:
    """Replace (or, with ``token_lists`` None, remove) the FTS5 rows of these entries."""
    if connection.vendor != "sqlite" or not entry_ids:
        return
    with connection.cursor() as cursor:
        if token_lists is not None:
            # FTS5 replaces a row of the same rowid: one statement whether the entry is new or not.
            cursor.executemany(
                f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, tokens) VALUES (%s, %s)",  # noqa: S608
                [(pk, " ".join(_hex(t) for t in toks)) for pk, toks in zip(entry_ids, token_lists, strict=True)])
            return
        for start in range(0, len(entry_ids), 500):
            chunk = entry_ids[start:start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608


def textsearch_index(*, subject_type: str, subject_id: str | int, text: str, region_code: str = "") -> None:
    """Index (or re-index, replacing the old text) one subject. Call it in the subject's transaction."""
    textsearch_index_many(subject_type=subject_type, items=[(subject_id, text, region_code)])


def textsearch_index_many(*, subject_type: str, items: Iterable[tuple[str | int, str, str]]) -> int:
    """Index many ``(subject_id, text, region_code)`` of one type at once (backfills); returns how many."""
    rows = {str(sid): (tokens(text), region or "") for sid, text, region in items}
    if not rows:
        return 0
    now = timezone.now()
    entries = [SearchEntry(subject_type=subject_type, subject_id=sid, region_code=region,
                           text_tokens=" ".join(toks), updated_at=now) for sid, (toks, region) in rows.items()]
    # No savepoint of its own: it runs in its subject's transaction, and fails with it.
    with transaction.atomic(savepoint=False):
        # An upsert, so two transactions indexing the same new subject cannot collide.
        SearchEntry.objects.bulk_create(
            entries, batch_size=500, update_conflicts=True, unique_fields=["subject_type", "subject_id"],
            update_fields=["region_code", "text_tokens", "updated_at"])
        if connection.vendor == "sqlite":
            # The upsert returns the ids of inserted and updated rows alike; the FTS rows are keyed by them.
            ids = [e.pk for e in entries]
            if None in ids:  # a backend that returns no ids from an upsert: look them up
                found = dict(SearchEntry.objects.filter(subject_type=subject_type, subject_id__in=list(rows))
                             .values_list("subject_id", "pk"))
                ids = [found[e.subject_id] for e in entries]
            _fts_sync(ids, [rows[e.subject_id][0] for e in entries])
    return len(rows)


def textsearch_remove(*, subject_type: str, subject_id: str | int) -> None:
    """Forget a subject's text (nothing happens when it was never indexed)."""
    with transaction.atomic():
        ids = list(SearchEntry.objects.filter(subject_type=subject_type, subject_id=str(subject_id))
                   .values_list("pk", flat=True))
        _fts_sync(ids, None)
        SearchEntry.objects.filter(pk__in=ids).delete()


def textsearch_prune(*, subject_type: str, keep: QuerySet[Any]) -> int:
    """Forget the subjects of this type whose id (as text) is not in ``keep`` (a ``values_list``
    queryset of the ids that still exist); returns how many were forgotten."""
    stale = (SearchEntry.objects.filter(subject_type=subject_type).exclude(subject_id__in=keep)
             .order_by("pk").values_list("pk", flat=True))
    removed = 0
    while True:
        ids = list(stale[:500])
        if not ids:
            return removed
        with transaction.atomic():
            _fts_sync(ids, None)
            SearchEntry.objects.filter(pk__in=ids).delete()
        removed += len(ids)


def has_words(query: str) -> bool:
    """Whether ``query`` holds a latin or digit word (the terms ``whole_words`` changes)."""
    return any(kind == "word" for kind, _run in _runs(query))


def textsearch_ids(*, subject_type: str, query: str, region_prefix: str | None = None,
                   whole_words: bool = False) -> QuerySet[Any]:
    """The ``subject_id`` values (str) of the subjects whose text holds every term of ``query``.

    A lazy ``values_list`` queryset, so ``Model.objects.filter(pk__in=...)`` runs it as a subquery.
    A query without a single term (blank, only punctuation) matches nothing.
    """
    entries = SearchEntry.objects.filter(subject_type=subject_type)
    if region_prefix:
        entries = entries.filter(region_code__startswith=region_prefix)
    terms = query_terms(query, whole_words=whole_words)
    if not terms:
        entries = entries.none()
    elif connection.vendor == "postgresql":
        entries = entries.filter(_TokensMatch(F("text_tokens"), models.Value(_tsquery(terms))))
    else:
        # Only the constant table name is formatted in; the match expression is a parameter.
        entries = entries.filter(pk__in=models.expressions.RawSQL(  # noqa: S611
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_match(terms)]))  # noqa: S608
    return entries.values_list("subject_id", flat=True)


_INTEGER_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField,
                   models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
                   models.PositiveBigIntegerField, models.PositiveSmallIntegerField)


def _target_field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    field: Any = model._meta.pk
    for name in ([] if path == "pk" else path.split("__")):
        field = (model._meta.pk if name == "pk" else model._meta.get_field(name))
        if field.is_relation and field.related_model is not None:
            model = field.related_model
            field = field.target_field
    return field


def textsearch_filter(queryset: QuerySet[Any], *, subject_type: str, query: str, id_field: str = "pk",
                      whole_words: bool = False) -> QuerySet[Any]:
    """``queryset`` narrowed to the subjects matching ``query``, ``id_field`` holding their id."""
    ids = textsearch_ids(subject_type=subject_type, query=query, whole_words=whole_words)
    field = _target_field(queryset.model, id_field)
    if isinstance(field, _INTEGER_FIELDS):
        # Compare as integers so the subject table's own index is used; rows of this type whose
        # id is not a number are left out before the cast, which PostgreSQL would refuse.
        ids = (ids.filter(subject_id__regex=r"^-?[0-9]{1,18}$")
               .annotate(_id=Cast("subject_id", models.BigIntegerField())).values_list("_id", flat=True))
    elif isinstance(field, models.UUIDField):
        ids = (ids.filter(subject_id__regex=r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
               .annotate(_id=Cast("subject_id", models.UUIDField()) if connection.vendor == "postgresql"
                         # SQLite keeps UUIDs as 32 lower-case hex digits without dashes.
                         else Replace(Lower("subject_id"), models.Value("-"), models.Value("")))
               .values_list("_id", flat=True))
    return queryset.filter(Q(**{f"{id_field}__in": ids}))
