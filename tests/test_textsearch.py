"""Keyword search: two-character Chinese terms, words and numbers, through the database's own index."""

from __future__ import annotations

import pytest
from django.db import connection

from jijinan.core.models import OutboxMessage, SearchEntry
from jijinan.core.search.textsearch import (
    FTS_TABLE,
    query_terms,
    textsearch_filter,
    textsearch_ids,
    textsearch_index,
    textsearch_index_many,
    textsearch_remove,
    tokens,
)

T = "tests.thing"


def found(query: str, *, region_prefix: str | None = None, subject_type: str = T) -> set[str]:
    return set(textsearch_ids(subject_type=subject_type, query=query, region_prefix=region_prefix))


# --- tokens (pure) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("张伟", ["张", "伟", "张伟"]),
    ("火灾，受伤", ["火", "灾", "火灾", "受", "伤", "受伤"]),
    ("单", ["单"]),
    ("", []),
    ("，。！？——", []),
    ("Hello World", ["hello", "world"]),
    ("张伟13812345678", ["张", "伟", "张伟", "13812345678"]),
    ("JJ-320102-2026-000123", ["jj", "320102", "2026", "000123", "jj-320102-2026-000123"]),
    ("ＡＢＣ１２３", ["abc123"]),  # full-width forms are folded to ASCII first
    ("张伟张伟", ["张", "伟", "张伟", "伟张"]),  # distinct, in order of first appearance
])
def test_tokens(text, expected):
    assert tokens(text) == expected


def test_query_terms_use_bigrams_for_longer_chinese_and_prefixes_for_words():
    assert query_terms("张小伟") == [("张小", False), ("小伟", False)]
    assert query_terms("单") == [("单", False)]
    assert query_terms("JJ-320102-2026") == [("jj-320102-2026", True)]
    assert query_terms("火灾 2026") == [("火灾", False), ("2026", True)]
    assert query_terms("  ，。 ") == []


# --- the index, on the database in use ---------------------------------------------------------------


@pytest.fixture
def indexed(db):
    textsearch_index(subject_type=T, subject_id=1, text="张伟家中失火，火灾致房屋损毁", region_code="320102001000")
    textsearch_index(subject_type=T, subject_id=2, text="李娜患白血病，医疗费用高", region_code="320106002000")
    textsearch_index(subject_type=T, subject_id="3", text="王小明 车祸 案件 JJ-320102-2026-000123",
                     region_code="320102002000")
    textsearch_index(subject_type="tests.other", subject_id=1, text="张伟 另一类对象")


def test_two_character_terms_are_found(indexed):
    assert found("张伟") == {"1"}
    assert found("火灾") == {"1"}
    assert found("白血病") == {"2"}
    assert found("医疗费用") == {"2"}


def test_a_single_character_is_found(indexed):
    assert found("火") == {"1"}
    assert found("小") == {"3"}
    assert found("灾") == {"1"}


def test_reversed_characters_are_no_hit(indexed):
    assert found("伟张") == set()
    assert found("灾火") == set()


def test_every_term_must_match(indexed):
    assert found("张伟 火灾") == {"1"}
    assert found("张伟 白血病") == set()
    assert found("张伟，火灾！") == {"1"}


def test_mixed_chinese_and_digits(indexed):
    assert found("车祸 000123") == {"3"}
    assert found("车祸000123") == {"3"}
    assert found("火灾 000123") == set()


def test_a_case_number_by_its_serial_the_whole_number_or_its_beginning(indexed):
    assert found("000123") == {"3"}
    assert found("JJ-320102-2026-000123") == {"3"}
    assert found("jj-320102-2026-000123") == {"3"}
    assert found("JJ-320102-2026") == {"3"}
    assert found("0001") == {"3"}  # words match as prefixes
    assert found("JJ-320102-2026-000124") == set()
    assert found("00123") == set()  # not a prefix of any word


def test_subject_types_are_kept_apart(indexed):
    assert found("张伟", subject_type="tests.other") == {"1"}
    assert found("另一类", subject_type=T) == set()


def test_region_prefix(indexed):
    assert found("张伟", region_prefix="320102") == {"1"}
    assert found("张伟", region_prefix="320106") == set()
    assert found("医疗", region_prefix="320106") == {"2"}
    assert found("案件", region_prefix="32") == {"3"}


def test_reindexing_replaces_the_old_text(indexed):
    textsearch_index(subject_type=T, subject_id=1, text="赵敏 水灾", region_code="320106001000")
    assert found("张伟") == set()
    assert found("火灾") == set()
    assert found("水灾") == {"1"}
    assert found("赵敏", region_prefix="320106") == {"1"}
    assert SearchEntry.objects.filter(subject_type=T, subject_id="1").count() == 1


def test_remove(indexed):
    textsearch_remove(subject_type=T, subject_id=1)
    assert found("张伟") == set()
    assert found("张伟", subject_type="tests.other") == {"1"}
    textsearch_remove(subject_type=T, subject_id=999)  # never indexed: nothing happens
    assert SearchEntry.objects.filter(subject_type=T).count() == 2
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")  # noqa: S608
            assert cursor.fetchone()[0] == 3


@pytest.mark.parametrize("query", ["", "   ", "，。、", "\t\n"])
def test_an_empty_query_matches_nothing(indexed, query):
    assert found(query) == set()


@pytest.mark.parametrize("query", [
    "'", '"', "''张伟", '"张伟"', "(张伟", "张伟)", "张伟 OR 李娜", "张伟 AND NOT 火灾", "NOT 张伟",
    "*", "张*", "tokens:张伟", "张伟:*", "a & b | !c", "'; DROP TABLE core_searchentry; --",
    "\\", "\\'", "NEAR(张伟 火灾)", "^张伟", "-火灾", "{tokens}:张伟", "OR", "AND",
])
def test_query_syntax_in_the_input_is_harmless(indexed, query):
    result = found(query)
    # Whatever the operators would have meant, the only terms are the words and characters in it.
    assert result <= {"1", "2", "3"}
    assert "2" not in result or "李娜" in query
    assert SearchEntry.objects.count() == 4


def test_operator_words_are_plain_words(db):
    textsearch_index(subject_type=T, subject_id=7, text="apples OR oranges")
    textsearch_index(subject_type=T, subject_id=8, text="apples")
    assert found("apples OR oranges") == {"7"}
    assert found("NOT apples") == set()
    assert found("'apples'") == {"7", "8"}


def test_quotes_and_backslashes_in_indexed_text(db):
    textsearch_index(subject_type=T, subject_id=1, text="O'Brien \\ 张'伟 \"quoted\"")
    assert found("o'brien") == {"1"}
    assert found("brien") == {"1"}
    assert found("quoted") == {"1"}


def test_the_result_composes_as_a_subquery(indexed, django_assert_num_queries):
    textsearch_index(subject_type="core.outboxmessage", subject_id=1, text="ignored")
    ids = textsearch_ids(subject_type=T, query="张伟")
    with django_assert_num_queries(1):
        assert list(SearchEntry.objects.filter(subject_type=T, subject_id__in=ids)
                    .values_list("subject_id", flat=True)) == ["1"]


def test_filter_casts_to_the_id_type(db, django_assert_num_queries):
    messages = [OutboxMessage.objects.create(type="t", subject_type="x", subject_id=str(i)) for i in range(3)]
    textsearch_index(subject_type="tests.msg", subject_id=messages[0].pk, text="张伟 火灾")
    textsearch_index(subject_type="tests.msg", subject_id=messages[2].pk, text="张伟")
    textsearch_index(subject_type="tests.msg", subject_id="not-a-number", text="张伟")
    textsearch_index(subject_type="tests.uuid", subject_id=str(messages[1].event_id), text="火灾")
    textsearch_index(subject_type="tests.uuid", subject_id="garbage", text="火灾")
    with django_assert_num_queries(1):
        hits = list(textsearch_filter(OutboxMessage.objects.order_by("pk"), subject_type="tests.msg",
                                      query="张伟"))
    assert hits == [messages[0], messages[2]]
    assert list(textsearch_filter(OutboxMessage.objects.all(), subject_type="tests.msg", query="火灾")) \
        == [messages[0]]
    assert list(textsearch_filter(OutboxMessage.objects.all(), subject_type="tests.uuid", query="火灾",
                                  id_field="event_id")) == [messages[1]]
    assert list(textsearch_filter(OutboxMessage.objects.all(), subject_type="tests.msg", query="")) == []


def test_rare_and_compatibility_characters(db):
    # 𬌗 (Extension E) is newer than the Unicode tables of SQLite's unicode61 tokenizer.
    textsearch_index(subject_type=T, subject_id=1, text="陈𬌗 与 王〇")
    assert found("陈𬌗") == {"1"}
    assert found("𬌗") == {"1"}
    assert found("〇") == {"1"}
    assert found("陈王") == set()


def test_index_many_and_a_large_query(db):
    count = textsearch_index_many(subject_type=T, items=[(i, f"编号{i} 张伟{i % 2}", "3201") for i in range(300)])
    assert count == 300
    assert len(found("张伟")) == 300
    assert found("编号 150") == {"150"}  # a word matches as a prefix: 150 only, 15 would find 150–159
    assert len(found("15")) == 11
    textsearch_index_many(subject_type=T, items=[(i, "已更新", "3201") for i in range(0, 300, 2)])
    assert len(found("已更新")) == 150
    assert len(found("张伟")) == 150
    long_query = " ".join(f"词{i}" for i in range(100))
    assert found(long_query) == set()


def test_a_text_without_tokens_is_indexed_and_found_by_nothing(db):
    textsearch_index(subject_type=T, subject_id=1, text="，。！")
    textsearch_index(subject_type=T, subject_id=2, text="")
    assert SearchEntry.objects.filter(subject_type=T).count() == 2
    assert found("，") == set()
    textsearch_index(subject_type=T, subject_id=1, text="火灾")
    assert found("火灾") == {"1"}
