"""bot/vocab.py: the bigram-bounded look-up of close words answers exactly what a scan of every word
answers (issue 12 item 3: a new name's words no longer scored against the whole vocabulary), and the
organisation index resolving through it resolves every variant spelling as the full scan does."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import asdict

import pytest
from rapidfuzz import fuzz, process

from bot import vocab
from bot.orgs import OrgIndex, resolve
from bot.vocab import Vocabulary, shared_needed
from tests.unit.test_orgs import registry, typo_variants

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةءئؤ"


def spellings(word: str, rng: random.Random) -> Iterator[str]:
    """The word, and it with one letter dropped, doubled, replaced, two letters swapped, a letter added."""
    yield word
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]
        yield word[:i] + word[i] + word[i:]
        yield word[:i] + rng.choice(ARABIC) + word[i + 1 :]
        yield word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :]
    yield word + rng.choice(ARABIC)
    yield rng.choice(ARABIC) + word


def registry_words() -> list[str]:
    return sorted({w for _, name in registry()[1] for w in name.split() if len(w) > 1})


def big_vocabulary(rng: random.Random) -> Vocabulary:
    """Every word of the registry, a misspelling of each, and numbers: past the size of a whole scan."""
    words = Vocabulary(cutoff=80)
    for word in registry_words():
        words.add(word)
        words.add(next(s for s in spellings(word, rng) if s != word))
    for n in range(0, 30_000, 7):
        words.add(str(n))
    assert len(words) > vocab.FULL_SCAN_BELOW
    return words


def full_scan(words: Vocabulary, word: str) -> list[tuple[str, float, int]]:
    hits = process.extract(word, words.words, scorer=fuzz.ratio, processor=None, limit=None, score_cutoff=80)
    return sorted(hits, key=lambda hit: (-hit[1], hit[2]))


def test_the_bounded_look_up_finds_what_a_full_scan_finds() -> None:
    rng = random.Random(12)
    words = big_vocabulary(rng)
    queries = [s for w in rng.sample(registry_words(), 60) for s in spellings(w, rng)]
    queries += ["1234", "12345", "2026", "20261", "7", "77", "", "ا", "منظمة", "Syrian", "Syrain"]
    found = 0
    for query in queries:
        expected = full_scan(words, query)
        assert words.similar(query) == expected, query
        found += len(expected)
    assert found > len(queries)  # the queries do find words (most of them several)
    for query in ("1234", "منظمة", "Syrian"):  # and only a small part of the words is scored
        assert len(words._reaching(query, 80)) < len(words) / 4


def test_the_bigram_bound_holds_for_every_pair_of_short_words() -> None:
    """Exhaustive over two-letter alphabets up to length 6: a pair reaching ratio 80 shares at least
    shared_needed bigrams (the lemma the bounded look-up rests on)."""
    pairs = [""]
    for _ in range(6):
        pairs += [w + c for w in pairs if len(w) == len(pairs[-1]) for c in "ab"]
    short = sorted(set(pairs))
    for a in short:
        for b in short:
            if fuzz.ratio(a, b) < 80:
                continue
            need = shared_needed(len(a), len(b), 80)
            assert need is not None, (a, b)
            common = vocab.bigrams(a) & vocab.bigrams(b)
            assert sum(common.values()) >= need, (a, b)


@pytest.fixture
def big_index() -> OrgIndex:
    """The registry with 3,000 numbered organisations besides (as a backlog of provisional ones)."""
    entries = list(registry()[1])
    entries += [(10_000 + i, f"منظمة العدالة {i}") for i in range(3000)]
    return OrgIndex(entries)


def test_an_index_resolves_variant_spellings_as_the_full_scan_does(
    big_index: OrgIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = [text for _, _, text in typo_variants()] + [name for _, name in registry()[1]][:200]
    queries += ["منظمة العدالة 17", "منظمه العداله 170", "منظمة العدالة 99999", "مركز العدالة 17"]
    bounded = [asdict(resolve(q, big_index)) for q in queries]
    monkeypatch.setattr(vocab, "FULL_SCAN_BELOW", 10**9)  # every look-up scans the whole vocabulary
    assert [asdict(resolve(q, big_index)) for q in queries] == bounded
    assert sum(1 for m in bounded if m["org_id"] is not None) > len(queries) // 2
