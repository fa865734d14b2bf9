"""Pinyin keys of place and office names for type-ahead: full pinyin and initials, ASCII only.

Keys are lower-case letters (ü → v), so "starts with" is a range on an ordinary index on SQLite
and PostgreSQL alike. Personal names have their own keys, with surname readings, in the registry.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_LETTERS = re.compile(r"[a-z]+")


def syllables(text: str) -> list[str]:
    """Toneless syllables of ``text``; Latin letters are kept, everything else is dropped."""
    out: list[str] = []
    for chunk in lazy_pinyin(unicodedata.normalize("NFKC", text), style=Style.NORMAL, errors="default"):
        out.extend(_LETTERS.findall(chunk.lower().replace("ü", "v")))
    return out


@functools.lru_cache(maxsize=8192)
def pinyin_keys(text: str) -> tuple[str, str]:
    """``("meiyuanxincunjiedao", "myxcjd")`` for 梅园新村街道."""
    parts = syllables(text)
    return "".join(parts)[:200], "".join(s[0] for s in parts)[:60]


def pinyin_query(text: str) -> str:
    """A typed pinyin query as a key: lower case, letters only (``Mei Yuan`` → ``meiyuan``)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ü", "v").replace("u:", "v")
    return "".join(_LETTERS.findall(text))
