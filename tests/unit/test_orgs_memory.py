"""Memory held by bot/orgs.py and bot/names.py per name (issue 12 item 2: peak RSS of a first cycle of
10,000 new sources ≤ 120 MB): texts are not cached as names, and the index shares what keys have in
common. Each test asserts the structure; bench/new_sources.py measures the RSS."""

from __future__ import annotations

import tracemalloc

from bot import names
from bot.orgs import OrgIndex, resolve, suggest


def test_a_text_longer_than_a_name_is_not_cached() -> None:
    body = "نص بيان طويل " * 12  # 156 characters: a body's start or a long title, seen once
    before = names._normalize_cached.cache_info().currsize
    assert names.normalize(body) == names.normalize_text(body)
    assert names._normalize_cached.cache_info().currsize == before
    assert names._normalize_cached.cache_info().maxsize <= 8192


def _index(n: int) -> OrgIndex:
    return OrgIndex([(1000 + k, f"منظمة العدالة {k}") for k in range(n)] + [(1, "مركز الحقوق")])


def test_keys_share_their_type_words_and_stems() -> None:
    index = _index(3)
    a, b = index._keys[0], index._keys[1]
    assert a.types == frozenset({"organisation"})
    assert a.types is b.types
    assert a.stems[0] == b.stems[0] == "عداله"
    assert a.stems[0] is b.stems[0]


def test_a_key_of_one_organisation_holds_a_tuple_and_many_a_set() -> None:
    index = _index(20)
    assert index._exact[names.normalize("منظمة العدالة 3")] == (1003,)
    assert isinstance(index._words["منظمه"], set)
    assert len(index._words["منظمه"]) == 20
    assert index.exact_ids(names.normalize("منظمة العدالة 3")) == {1003}
    index.add([(5000, "منظمة العدالة 3")])  # a second organisation of that name: both, once each
    assert index.exact_ids(names.normalize("منظمة العدالة 3")) == {1003, 5000}
    assert resolve("منظمة العدالة 3", index).ambiguous


def test_an_index_of_10000_new_names_holds_at_most_2_5_kb_each() -> None:
    tracemalloc.start()
    try:
        index = _index(10_000)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(index) == 10_001
    assert held / 10_000 < 2_500  # ≈ 3,000 bytes before keys held tuples and shared their words


def test_an_extension_does_not_copy_the_word_list_and_queries_still_see_new_names() -> None:
    """A poll's extension of the index (a few provisional organisations) leaves the user-query word list
    alone (it is made again by the next query, not by each of thousands of extensions of a cycle)."""
    index = _index(2000)
    before = len(index._word_list)
    index.add([(50_000, "رابطة الينابيع الصافية")])
    assert len(index._word_list) == before
    assert suggest("الينابيع الصافية", index).winner == 50_000
    assert len(index._word_list) == len(index._words)
