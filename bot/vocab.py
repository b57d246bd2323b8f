"""A growing list of words that answers, exactly, which of them are close to a word: every word whose
rapidfuzz ``fuzz.ratio`` with it reaches a cutoff, without scoring every word of a large vocabulary.

Used by the organisation index (``bot.orgs``) for the words of its fuzzy keys: a new signatory name looked
up every one of its words against the whole vocabulary, ≈ 0.6 ms a word at 10,000 organisations
(bench/new_sources.py, issue 12). Here a large vocabulary is read through its character bigrams.

Why no close word is missed. ``fuzz.ratio(a, b) = 200·LCS / (m + n)`` (m, n the lengths, LCS the longest
common subsequence), so a ratio of at least ``c`` needs ``LCS ≥ L = ⌈c·(m + n) / 200⌉``. Along such a
subsequence each of the ``m − L`` letters of ``a`` left out breaks at most two of a's ``m − 1`` bigrams, each
of the ``n − L`` letters of ``b`` left out opens a gap that breaks at most one more, and a bigram left whole
is one of b's. So the two share at least ``T = 3L − m − n − 1`` bigrams, counted with repeats. A word of a
length where ``T ≤ 0`` for the query is always scored. Otherwise it shares a bigram with any part of the
query holding ``m − T`` of its bigram occurrences: the words listed under the query's rarest bigrams, up to
that many occurrences, are scored, and nothing else. The scores are rapidfuzz's own, so the answer is the
full scan's (``tests/unit/test_vocab.py`` compares them on variant spellings).

Pure; imports only rapidfuzz and the stdlib.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from functools import lru_cache

from rapidfuzz import fuzz, process

FULL_SCAN_BELOW = 2048  # words: below this a whole scan (in C) costs less than reading bigram lists


def bigrams(word: str) -> Counter[str]:
    """The word's character bigrams with their counts."""
    return Counter(word[i : i + 2] for i in range(len(word) - 1))


@lru_cache(maxsize=4096)
def shared_needed(m: int, n: int, cutoff: float) -> int | None:
    """Bigrams a word of length ``n`` must share with one of length ``m`` to reach ``cutoff``; None when
    no word of that length can (see the module docstring; ≤ 0: any can, as far as bigrams tell)."""
    lcs = math.ceil(cutoff * (m + n) / 200 - 1e-9)  # the boundary itself may score the cutoff
    if lcs > min(m, n):
        return None
    return 3 * lcs - m - n - 1


class Vocabulary:
    """Words in the order added, with their bigram lists and length buckets; ``cutoff``: the ratio
    ``similar`` looks for."""

    def __init__(self, cutoff: float = 80) -> None:
        self.cutoff = cutoff
        self.words: list[str] = []
        # bigram → indexes of the words holding it; length → indexes of the words that long (arrays of
        # machine ints: 4 bytes an entry, no int object held, for indexes of 100,000 organisations and more)
        self._posts: dict[str, array[int]] = {}
        self._lengths: dict[int, array[int]] = {}

    def __len__(self) -> int:
        return len(self.words)

    def add(self, word: str) -> int:
        """Append ``word``; its index."""
        i = len(self.words)
        self.words.append(word)
        self._lengths.setdefault(len(word), array("i")).append(i)
        for gram in bigrams(word):
            self._posts.setdefault(gram, array("i")).append(i)
        return i

    def similar(self, word: str) -> list[tuple[str, float, int]]:
        """(word, ratio, index) of every word whose fuzz.ratio with ``word`` reaches the cutoff, best first
        (equal ratios in the order added): what a scan of every word answers."""
        if len(self.words) < FULL_SCAN_BELOW:
            return self._scored(word, None, self.cutoff)
        return self._scored(word, self._reaching(word, self.cutoff), self.cutoff)

    def _reaching(self, word: str, cutoff: float) -> list[int]:
        """Every word that may reach ``cutoff`` with ``word`` (more may come; none that does is missed)."""
        m = len(word)
        always: list[int] = []
        by_bigrams: set[int] = set()  # lengths whose strings must share bigrams
        least: int | None = None  # the fewest bigrams any of those lengths must share
        for n, indexes in self._lengths.items():
            need = shared_needed(m, n, cutoff)
            if need is None:
                continue
            if need <= 0:
                always += indexes
                continue
            by_bigrams.add(n)
            least = need if least is None else min(least, need)
        if least is None:
            return always
        grams = bigrams(word)
        found: set[int] = set()
        kept = 0  # occurrences of the query's bigrams read so far
        for gram in sorted(grams, key=lambda g: len(self._posts.get(g, ()))):
            if kept >= m - least:  # the rest hold fewer than ``least`` occurrences: nothing new there
                break
            found.update(self._posts.get(gram, ()))
            kept += grams[gram]
        words = self.words
        return always + [i for i in found if len(words[i]) in by_bigrams]

    def _scored(self, word: str, indexes: list[int] | None, cutoff: float) -> list[tuple[str, float, int]]:
        """rapidfuzz's ratio of ``word`` with the words at ``indexes`` (None: all), those reaching
        ``cutoff``, best first, equal ratios by index."""
        if indexes is None:
            return process.extract(
                word, self.words, scorer=fuzz.ratio, processor=None, limit=None, score_cutoff=cutoff
            )
        at = sorted(indexes)  # rapidfuzz orders equal ratios by position: positions follow indexes
        hits = process.extract(
            word,
            [self.words[i] for i in at],
            scorer=fuzz.ratio,
            processor=None,
            limit=None,
            score_cutoff=cutoff,
        )
        return [(choice, score, at[j]) for choice, score, j in hits]
