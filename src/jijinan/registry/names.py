"""Name keys for search: full pinyin and initials with surname readings, and query parsing.

pypinyin reads a character by its most common reading, but many surnames are read differently
(单 shan, not dan; 曾 zeng, not ceng). The surname is matched against the tables below first —
two-character surnames before one-character ones — and the rest of the name goes to pypinyin,
whose phrase dictionary handles the given name. Keys are lower-case ASCII letters only (ü → v),
so a prefix is a range on an ordinary index on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pypinyin import Style, lazy_pinyin

# Readings as syllables separated by spaces, for the initials (尉迟 → "yc").
COMPOUND_SURNAMES = {
    "尉迟": "yu chi", "欧阳": "ou yang", "上官": "shang guan", "司马": "si ma", "诸葛": "zhu ge",
    "皇甫": "huang fu", "东方": "dong fang", "慕容": "mu rong", "夏侯": "xia hou", "宇文": "yu wen",
    "公孙": "gong sun", "令狐": "ling hu", "长孙": "zhang sun", "单于": "chan yu", "万俟": "mo qi",
    "澹台": "tan tai", "轩辕": "xuan yuan", "端木": "duan mu", "司徒": "si tu", "司空": "si kong",
    "呼延": "hu yan", "南宫": "nan gong", "西门": "xi men", "独孤": "du gu", "百里": "bai li",
}
SURNAMES = {
    "单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "查": "zha", "朴": "piao",
    "盖": "ge", "缪": "miao", "翟": "zhai", "覃": "qin", "尉": "yu", "乐": "yue", "召": "shao",
    "秘": "bi", "种": "chong", "宿": "su", "员": "yun", "繁": "po", "句": "gou", "卜": "bu",
    "柏": "bai", "薄": "bo", "燕": "yan", "隗": "wei", "黑": "he", "过": "guo", "冼": "xian",
    "谌": "chen", "祭": "zhai", "适": "kuo", "颉": "xie", "厍": "she", "眭": "sui", "佴": "nai",
    "訾": "zi", "牟": "mu", "蕃": "pi", "费": "fei", "阚": "kan", "沈": "shen", "任": "ren",
    "华": "hua", "纪": "ji", "贾": "jia", "重": "chong", "长": "chang", "朝": "chao", "那": "na",
    "都": "du", "应": "ying", "能": "nai", "折": "she", "藏": "zang", "石": "shi", "车": "che",
    "莫": "mo", "曲": "qu", "相": "xiang", "强": "qiang", "殷": "yin", "占": "zhan",
    "行": "xing", "吕": "lv", "闵": "min", "洗": "xian", "奇": "qi", "乜": "nie", "粘": "nian",
}
_LETTERS = re.compile(r"[a-z]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _syllables(text: str) -> list[str]:
    out: list[str] = []
    for chunk in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False, errors="default"):
        # Non-Chinese chunks (a "·" in a minority name, Latin letters) keep only their letters.
        out.extend(_LETTERS.findall(chunk.lower().replace("ü", "v")))
    return out


@functools.lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """``("zhangwei", "zw")`` for 张伟; the surname read as a surname."""
    name = unicodedata.normalize("NFKC", name).strip()
    syllables: list[str] = []
    rest = name
    for table, length in ((COMPOUND_SURNAMES, 2), (SURNAMES, 1)):
        reading = table.get(name[:length])
        if reading is not None:
            syllables.extend(reading.split())
            rest = name[length:]
            break
    syllables.extend(_syllables(rest))
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables)
    return full[:150], initials[:50]


def given_name(name: str) -> str:
    """The name without its surname (王建国 → 建国, 欧阳明华 → 明华); "" when nothing is left.

    A two-character surname of the table is taken first, else the first character: the same
    split ``name_keys`` reads the surname by.
    """
    name = unicodedata.normalize("NFKC", name).strip()
    length = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[length:]


def given_name_pinyin(name: str) -> str:
    """The pinyin of the given name alone (王建国 → "jianguo"), letters only, or ""."""
    rest = given_name(name)
    return "".join(_syllables(rest))[:150] if rest else ""


@functools.cache
def _syllables_and_prefixes() -> tuple[frozenset[str], frozenset[str]]:
    """Every toneless syllable pypinyin knows (ü as v), and every prefix of one.

    Interjections without a vowel (m, n, ng, hm, hng) are left out: otherwise "zn" would read as
    a syllable sequence rather than as the initials it almost certainly is.
    """
    from pypinyin.pinyin_dict import pinyin_dict

    syllables: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")  # ǚ → v
            plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()
            if plain.isascii() and plain.isalpha() and any(v in plain for v in "aeiouv"):
                syllables.add(plain)
    prefixes = {s[:i] for s in syllables for i in range(1, len(s) + 1)}
    return frozenset(syllables), frozenset(prefixes)


def reads_as_pinyin(key: str) -> bool:
    """Whether ``key`` is whole syllables, optionally ending in the start of one ("zhangw").

    A key that is not ("zw", "wjg", "lxy") can only be initials: the search then uses the
    initials index alone, never an OR of both indexes, which no single index can order.
    """
    syllables, prefixes = _syllables_and_prefixes()

    @functools.cache
    def fits(i: int) -> bool:
        if key[i:] in prefixes:
            return True
        return any(key[i:j] in syllables and fits(j) for j in range(i + 1, min(len(key), i + 6) + 1))

    return bool(key) and fits(0)


def name_code(text: str) -> str:
    """A name as six hex digits per character: "张伟" → "005f20004f1f".

    Starts-with on the name becomes a range on this key, and unlike the name itself it sorts
    the same way under every collation (digits and a–f only), so one ordinary index serves the
    filter, the order of the results and their count, on SQLite and PostgreSQL alike.
    """
    return "".join(f"{ord(c):06x}" for c in unicodedata.normalize("NFKC", text).strip())


def name_code_upper_bound(code: str) -> str:
    """The least key above every key starting with ``code`` (a whole number of characters)."""
    return code[:-6] + f"{int(code[-6:], 16) + 1:06x}"


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def pinyin_query(text: str) -> str:
    """A typed pinyin query as a key: lower case, letters only (``Zhang Wei`` → ``zhangwei``)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ü", "v").replace("u:", "v")
    return "".join(_LETTERS.findall(text))


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix`` (letters a–z only), or None.

    For keys made only of lower-case ASCII letters every collation orders them like their
    bytes, so ``key >= prefix AND key < upper`` is exactly "starts with" and uses the index.
    """
    trimmed = prefix.rstrip("z")
    if not trimmed:
        return None
    return trimmed[:-1] + chr(ord(trimmed[-1]) + 1)
