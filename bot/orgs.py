"""Organisations: generic words, the name index, and resolving a name to an org id.

Owns `strip_generic` (type words such as منظمة or Foundation and function words dropped: fuzzy keys only,
never displayed), `OrgIndex`, `resolve`, and for user queries `suggest` / `search_candidates`. The folding
of names (`normalize`, `normalize_text`) and acronym splitting (`split_name_and_acronym`, `acronym`) live in
`bot.names` and are re-exported here.

`suggest` ranks by the whole query, nothing dropped: acronym hits first, then token overlap (words weighted
by rarity) and WRatio over every name form; it names a winner only when one is clearly ahead.

`resolve` never force-fits. Exact normalised names and acronyms win; otherwise a rapidfuzz WRatio hit on
the stripped keys is accepted only when it scores at least `min_score`, leads every other organisation by
`margin` (or wins the tie-break on the unstripped names), carries no conflicting type word (مؤسسة X is not
مركز X), is distinctive once stripped (never a bare قدر or السلام), and every distinctive word on either
side has a counterpart on the other (so "Syrian Forum" never becomes "Syrian Forum USA"). Words holding a
digit match only as written (… 100 is never … 10), and a word that tells an organisation from a
near-namesake (same type, every other word shared) must be in the query, or misspelt clearly closer to it
than to the near-namesake's word.
Contains no I/O; imports only bot.models, bot.names, bot.vocab, rapidfuzz and the stdlib.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from rapidfuzz import fuzz, process

from bot.models import OrgMatch
from bot.names import acronym, normalize, normalize_text, paren_split, split_name_and_acronym
from bot.vocab import Vocabulary

__all__ = [
    "OrgIndex",
    "acronym",
    "normalize",
    "normalize_text",
    "resolve",
    "search_candidates",
    "split_name_and_acronym",
    "strip_generic",
    "suggest",
]

# ───────────────────────────── generic words ─────────────────────────────

_TYPE_WORDS: dict[str, str] = {
    "منظمه": "organisation",
    "organization": "organisation",
    "موسسه": "foundation",
    "foundation": "foundation",
    "جمعيه": "association",
    "association": "association",
    "مركز": "centre",
    "center": "centre",
    "رابطه": "league",
    "league": "league",
    "شبكه": "network",
    "network": "network",
    "مبادره": "initiative",
    "initiative": "initiative",
    "منصه": "platform",
    "platform": "platform",
    "هيئه": "commission",
    "تجمع": "gathering",
    "اتحاد": "union",
    "union": "union",
    "تحالف": "coalition",
    "coalition": "coalition",
    "مرصد": "observatory",
    "observatory": "observatory",
    "معهد": "institute",
    "institute": "institute",
    "فريق": "team",
    "team": "team",
    "مجموعه": "group",
    "group": "group",
    "مكتب": "office",
    "office": "office",
}
_LATIN_TYPES = [(w, k) for w, k in _TYPE_WORDS.items() if w.isascii()] + [("organisation", "organisation")]
_LATIN_TYPES += [("centre", "centre")]
_FUNCTION_WORDS = frozenset({"و", "ل", "في", "for", "of", "the", "and", "in", "a", "an", "e", "v", "ev"})
_PREFIXES = ("وال", "بال", "لل", "ال", "و", "ل", "ب")


@lru_cache(maxsize=1 << 14)
def _type_of(token: str) -> str | None:
    """The type class of an organisation type word (منظمة, المركز, Foundation, a misspelt "Assciation"), else
    None. Plurals and longer words ("Networks", "Organizations") are not type words."""
    found = _TYPE_WORDS.get(token)
    for prefix in ("وال", "ال", "و"):
        if found is None and token.startswith(prefix):
            found = _TYPE_WORDS.get(token[len(prefix) :])
    if found is None and token.isascii() and len(token) >= 6 and not token.endswith("s"):
        for word, kind in _LATIN_TYPES:
            if not token.startswith(word) and fuzz.ratio(token, word) >= 85:
                return kind
    return found


def _drop_al(token: str) -> str:
    return token[2:] if token.startswith("ال") and len(token) > 4 else token


@lru_cache(maxsize=1 << 13)  # names recur; a cycle of new names must not hold them all (see bot.names)
def strip_generic(s: str) -> str:
    """`normalize(s)` without type words (منظمة, مركز, Network, …) and function words (و, ل, في, for, of…),
    and without a leading ال on words longer than 4 letters. If nothing remains, `normalize(s)`."""
    norm = normalize(s)
    kept = [_drop_al(t) for t in norm.split() if t not in _FUNCTION_WORDS and _type_of(t) is None]
    return " ".join(kept) if kept else norm


def _stem(token: str) -> str:
    """A word without its Arabic proclitic (و، ب، ل، ال، لل), for comparing words one by one."""
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return token[len(prefix) :]
    return token


def _distinctive(stripped: str) -> bool:
    """Enough left after stripping to identify an organisation: one word of ≥ 5 letters, or ≥ 2 words."""
    tokens = stripped.split()
    if len(tokens) == 1:
        return len(tokens[0]) >= 5
    return sum(map(len, tokens)) >= 6


# ───────────────────────────── the index ─────────────────────────────


_RARE = 3  # a word matched by at most this many organisations identifies; more common ones do not
_CLOSE_LIMIT = 30  # keys taken on whole-string similarity alone, besides those whose words match
_SHARED = 2  # words two names must share besides the one they differ in to count as near-namesakes
_APART = 15  # ratio lead a misspelt word needs over a near-namesake's word in its place


_V = TypeVar("_V", bound=Hashable)
_K = TypeVar("_K", bound=Hashable)
_Held = tuple[_V, ...] | set[_V]  # what a look-up map holds under one key: read as a collection only
_SMALL = 8  # up to this many values a tuple (48 bytes for one), then a set (216 bytes at least)


def _put(index: dict[_K, _Held[_V]], key: _K, value: _V) -> None:
    """Add ``value`` under ``key`` once. Most keys (a name, its compact form, a rare word) hold one
    organisation, so they hold a tuple, not a set: ≈ 0.7 KB less per indexed organisation."""
    held = index.get(key)
    if held is None:
        index[key] = (value,)
    elif isinstance(held, set):
        held.add(value)
    elif value not in held:
        index[key] = (*held, value) if len(held) < _SMALL else {*held, value}


@dataclass(frozen=True, slots=True)
class _Key:
    """One fuzzy key: an organisation's name with generic words stripped, and what the guards need."""

    org_id: int
    stripped: str
    stems: tuple[str, ...]
    types: frozenset[str]
    acceptable: bool  # distinctive enough to resolve to on a fuzzy match


# One object per distinct set of type words, shared by every key that has it (a few dozen exist; a
# frozenset each is ≈ 216 bytes of every indexed organisation's key otherwise).
_TYPE_SETS: dict[frozenset[str], frozenset[str]] = {}


def _types(full: str) -> frozenset[str]:
    found = frozenset(t for t in map(_type_of, full.split()) if t is not None)
    return _TYPE_SETS.setdefault(found, found) if len(_TYPE_SETS) < 4096 else found


def _stems(stripped: str) -> tuple[str, ...]:
    """The words of a stripped name without their proclitics; interned, so the index holds each once."""
    return tuple(sys.intern(_stem(t)) for t in stripped.split())


def _without(stems: tuple[str, ...], i: int) -> tuple[str, ...]:
    return tuple(sorted(stems[:i] + stems[i + 1 :]))


class OrgIndex:
    """Names of organisations, ready for `resolve`: built once from (org_id, name/alias/acronym) pairs.

    Holds an exact map (normalised name → ids), an acronym map (Latin acronyms, and those in parentheses
    or after a dash inside a name) and the stripped fuzzy keys as one list. `len` = number of organisations.
    """

    def __init__(self, entries: Iterable[tuple[int, str]]) -> None:
        self._names: dict[int, list[str]] = {}
        self._max_id = 0
        self._exact: dict[str, _Held[int]] = {}
        self._compact: dict[str, _Held[int]] = {}
        self._acronyms: dict[str, _Held[int]] = {}
        self._fulls: dict[_Key, list[str]] = {}
        self._keys: list[_Key] = []
        self._choices: list[str] = []
        self._vocab: dict[str, list[int]] = {}
        self._stem_words = Vocabulary(cutoff=80)  # the words of _vocab in order, for their fuzzy look-up
        self._siblings: dict[tuple[frozenset[str], tuple[str, ...]], _Held[tuple[int, str]]] = {}
        self._forms: list[tuple[int, str]] = []  # (org, normalised name) of every name form: user queries
        self._form_choices: list[str] = []
        self._words: dict[str, _Held[int]] = {}  # every word of every name form (type words too) → orgs
        self._word_list: list[str] = []
        self.add(entries)

    def add(self, entries: Iterable[tuple[int, str]]) -> None:
        """Index more (org_id, name) pairs: new organisations join without rebuilding the index."""
        for org_id, name in entries:
            self._add(org_id, name)

    @property
    def max_id(self) -> int:
        """The highest organisation id indexed (0 when empty)."""
        return self._max_id

    def __len__(self) -> int:
        return len(self._names)

    def _add(self, org_id: int, name: str) -> None:
        full = normalize(name)
        names = self._names.setdefault(org_id, [])
        self._max_id = max(self._max_id, org_id)
        if not full or name in names:
            return
        names.append(name)
        self._forms.append((org_id, full))
        self._form_choices.append(full)
        for word in query_words(full):
            _put(self._words, word, org_id)
        _put(self._exact, full, org_id)
        if len(full) >= 6:
            _put(self._compact, full.replace(" ", ""), org_id)
        base, acr = split_name_and_acronym(name)
        if acr is not None:
            _put(self._acronyms, normalize(acr), org_id)
            if normalize(base) != full:
                _put(self._exact, normalize(base), org_id)
        self._add_key(org_id, base if acr is not None else name)

    def _add_key(self, org_id: int, name: str) -> None:
        full = normalize(name)
        stripped = strip_generic(full)
        key = _Key(org_id, stripped, _stems(stripped), _types(full), _distinctive(stripped))
        fulls = self._fulls.setdefault(key, [])
        if not fulls:
            for stem in set(key.stems):
                keys = self._vocab.get(stem)
                if keys is None:
                    keys = self._vocab[stem] = []
                    self._stem_words.add(stem)
                keys.append(len(self._keys))
            self._keys.append(key)
            self._choices.append(stripped)
            for i, stem in enumerate(key.stems):  # (types, the other words) → (org, this word)
                _put(self._siblings, (key.types, _without(key.stems, i)), (org_id, stem))
        if full not in fulls:
            fulls.append(full)

    def exact_ids(self, full: str) -> set[int]:
        """Organisations with exactly this normalised name or acronym (spaces ignored as a fallback)."""
        found = self._exact.get(full) or self._acronyms.get(full)
        if found is None and len(full) >= 6:
            found = self._compact.get(full.replace(" ", ""))
        return set(found or ())

    def acronym_ids(self, text: str) -> set[int]:
        """Organisations using this acronym (case-insensitive), or else exactly this name."""
        full = normalize(text)
        return set(self._acronyms.get(full) or ()) or self.exact_ids(full)

    def weight(self, word: str) -> float:
        """How much a query word says: log(1 + organisations / (1 + those whose names have it)), so "منظمة"
        or "Syrian" weigh little next to a rare word (or one no name has)."""
        return math.log(1 + len(self._names) / (1 + len(self._words.get(word, ()))))

    def acronyms_only(self, text: str) -> set[int]:
        """Organisations using this acronym (case-insensitive); names do not count."""
        return set(self._acronyms.get(normalize(text)) or ())

    def _near(self, stems: tuple[str, ...]) -> tuple[set[int], int]:
        """Keys holding, for every query word, a word that matches it (ratio ≥ 80); and the smallest number
        of organisations any one query word matches as closely as it matches anything (a word shared by many
        organisations says little), counted up to _RARE + 1 (all that `_pick` asks of it).

        Bounded by what matches, not by how many organisations share a common word: the keys of the query
        word with the fewest are gathered, then kept only if they have a match of every other word."""
        rarest = min(len(self._names), _RARE + 1)
        per_stem: list[tuple[int, frozenset[str]]] = []
        for stem in set(stems):
            similar = self._stem_words.similar(stem)  # ratio ≥ 80, best first (bot.vocab: exact)
            words = frozenset(word for word, _, _ in similar)
            per_stem.append((sum(len(self._vocab[w]) for w in words), words))
            closest = [word for word, score, _ in similar if score >= similar[0][1] - 5]
            rarest = min(rarest, self._orgs_of(closest, _RARE + 1))
        if not per_stem:
            return set(), rarest
        per_stem.sort(key=lambda p: p[0])
        common = {i for w in per_stem[0][1] for i in self._vocab[w]}
        for _, words in per_stem[1:]:
            if not common:
                break
            common = {i for i in common if not words.isdisjoint(self._keys[i].stems)}
        return common, rarest

    def _orgs_of(self, words: list[str], cap: int) -> int:
        """How many organisations have one of ``words`` as a key word, counted up to ``cap``."""
        seen: set[int] = set()
        for word in words:
            for i in self._vocab[word]:
                seen.add(self._keys[i].org_id)
                if len(seen) >= cap:
                    return cap
        return len(seen)

    def scored(self, stripped: str, stems: tuple[str, ...]) -> tuple[list[tuple[_Key, float]], int]:
        """WRatio of the plausible keys (their words match, or the whole strings are close), best first;
        and how many organisations the query's rarest word matches."""
        close = process.extract(
            stripped, self._choices, scorer=fuzz.ratio, processor=None, limit=_CLOSE_LIMIT, score_cutoff=50
        )
        near, rarest = self._near(stems)
        ids = near | {i for _, _, i in close}
        hits = [(self._keys[i], fuzz.WRatio(stripped, self._choices[i], processor=None)) for i in ids]
        return sorted(hits, key=lambda h: (-h[1], h[0].org_id)), rarest

    def forms_near(self, full: str, words: tuple[str, ...]) -> dict[int, list[str]]:
        """The name forms (normalised) of the organisations a user query may mean: those sharing a word
        with it (ratio ≥ 80) and the closest whole names, by organisation."""
        orgs: set[int] = set()
        if len(self._word_list) != len(self._words):  # words came since: made here, not at every extension
            self._word_list = list(self._words)
        for word in words:
            similar = process.extract(
                word, self._word_list, scorer=fuzz.ratio, processor=None, limit=None, score_cutoff=80
            )
            orgs.update(o for _, _, j in similar for o in self._words[self._word_list[j]])
        close = process.extract(
            full, self._form_choices, scorer=fuzz.WRatio, processor=None, limit=_CLOSE_LIMIT, score_cutoff=60
        )
        orgs.update(self._forms[j][0] for _, _, j in close)
        found: dict[int, list[str]] = {}
        for org_id, form in self._forms:
            if org_id in orgs:
                found.setdefault(org_id, []).append(form)
        return found

    def near_namesakes(self, key: _Key) -> dict[str, set[str]]:
        """For each word of ``key`` that tells its organisation from a near-namesake, the words in its place
        in the near-namesakes' names. A near-namesake: another organisation of the same type words whose
        name has every other word of the key (at least two) and another word in this one's place."""
        found: dict[str, set[str]] = {}
        for i, stem in enumerate(key.stems):
            rest = _without(key.stems, i)
            if len(rest) < _SHARED:
                continue
            entries = self._siblings.get((key.types, rest), ())
            others = {w for o, w in entries if o != key.org_id and w != stem}
            if others:
                found[stem] = others
        return found

    def fulls_of(self, key: _Key) -> list[str]:
        """The unstripped normalised names behind a fuzzy key."""
        return self._fulls[key]


# ───────────────────────────── resolving ─────────────────────────────


@dataclass(frozen=True, slots=True)
class _Query:
    full: str
    stripped: str
    stems: tuple[str, ...]
    types: frozenset[str]
    rarest: int  # organisations matched by the query's rarest word, up to _RARE + 1


def _alike(word: str, other: str) -> bool:
    """Two words that may be spellings of one: equal, or close (ratio ≥ 80) when neither holds a digit
    (a number is a name's identity: 10 is never 100)."""
    if word == other:
        return True
    if any(c.isdigit() for c in word + other):
        return False
    return fuzz.ratio(word, other) >= 80


def _covered(words: tuple[str, ...], other: tuple[str, ...]) -> bool:
    return all(any(_alike(w, o) for o in other) for w in words)


def _tells_apart(query: _Query, key: _Key, index: OrgIndex) -> bool:
    """Each word that tells the key's organisation from a near-namesake is in the query as written, or as a
    misspelling clearly closer to it than to the word in the near-namesake's name (al-Sham vs al-Shamal:
    "الشامل" is as close to both, so it is neither)."""
    for word, others in index.near_namesakes(key).items():
        if word in query.stems:
            continue
        close = [fuzz.ratio(q, word) for q in query.stems if _alike(q, word)]
        rival = max(fuzz.ratio(q, o) for q in query.stems for o in others)
        if not close or max(close) - rival < _APART:
            return False
    return True


def _compatible(query: _Query, key: _Key, index: OrgIndex) -> bool:
    """No conflicting type words; every distinctive word on each side has a counterpart on the other; the
    words that tell the key from its near-namesakes are in the query (`_tells_apart`)."""
    if query.types and key.types and query.types.isdisjoint(key.types):
        return False
    if not (_covered(query.stems, key.stems) and _covered(key.stems, query.stems)):
        return False
    return _tells_apart(query, key, index)


def _from_ids(ids: set[int], score: float = 100.0) -> OrgMatch:
    cands = tuple((i, score) for i in sorted(ids))
    if len(ids) == 1:
        return OrgMatch(next(iter(ids)), score, cands)
    return OrgMatch(None, score, cands, ambiguous=True)


def _best_per_org(hits: list[tuple[_Key, float]]) -> dict[int, float]:
    best: dict[int, float] = {}
    for key, score in hits:
        best[key.org_id] = max(best.get(key.org_id, 0.0), score)
    return best


def _tie_break(
    query: _Query, index: OrgIndex, hits: list[tuple[_Key, float]], winner: int, rivals: set[int]
) -> float:
    """Lead of the winner over its closest rivals in token_sort_ratio on the unstripped names."""
    best: dict[int, float] = {}
    for key, _ in hits:
        if key.org_id == winner or key.org_id in rivals:
            tsr = max(fuzz.token_sort_ratio(query.full, f, processor=None) for f in index.fulls_of(key))
            best[key.org_id] = max(best.get(key.org_id, 0.0), tsr)
    return best.get(winner, 0.0) - max(best[r] for r in rivals)


def _pick(
    query: _Query, index: OrgIndex, hits: list[tuple[_Key, float]], min_score: float, margin: float
) -> tuple[int, float] | None:
    """The winning fuzzy key's org and score, or None (see the module doc for the rules)."""
    if not _distinctive(query.stripped):
        return None
    # hits come best first: the winner is the first verified one, its rivals the compatible ones less
    # than ``margin`` behind it; compatibility (the costly guard) is asked only of those
    compatible: dict[int, bool] = {}

    def fits(i: int) -> bool:
        if i not in compatible:
            compatible[i] = _compatible(query, hits[i][0], index)
        return compatible[i]

    found = None
    for i, (k, s) in enumerate(hits):
        if s < min_score:
            break
        if _verified(query, k) and fits(i):
            found = i
            break
    if found is None:
        return None
    key, score = hits[found]
    rivals: set[int] = set()
    for i, (k, s) in enumerate(hits):
        if score - s >= margin:
            break
        if k.org_id != key.org_id and fits(i):
            rivals.add(k.org_id)
    if rivals and _tie_break(query, index, hits, key.org_id, rivals) < margin:
        return None
    return key.org_id, score


def _verified(query: _Query, key: _Key) -> bool:
    """A key a fuzzy hit may resolve to, besides compatibility and the score: distinctive, and when the
    query has only common words, a type word on both sides or on neither."""
    return key.acceptable and (query.rarest <= _RARE or bool(key.types) == bool(query.types))


def _fuzzy(full: str, index: OrgIndex, min_score: float, margin: float) -> OrgMatch:
    stripped = strip_generic(full)
    stems = _stems(stripped)
    hits, rarest = index.scored(stripped, stems)
    picked = _pick(_Query(full, stripped, stems, _types(full), rarest), index, hits, min_score, margin)
    winner = picked[0] if picked is not None else None
    ranked = sorted(_best_per_org(hits).items(), key=lambda kv: (kv[0] != winner, -kv[1], kv[0]))
    cands = tuple((o, round(s, 1)) for o, s in ranked[:5])
    if picked is not None:
        return OrgMatch(picked[0], round(picked[1], 1), cands)
    top = ranked[0][1] if ranked else 0.0
    return OrgMatch(None, round(top, 1), cands, ambiguous=sum(s >= 80 for _, s in ranked) >= 2)


def _alternate(raw: str) -> tuple[str, str] | None:
    """(name, acronym or parenthesised alternative) when the raw name carries one besides a name."""
    base, acr = split_name_and_acronym(raw)
    if acr is not None and normalize(base) != normalize(raw):
        return base, acr
    inner = paren_split(" ".join(raw.split()))
    return inner if inner is not None and inner[0] else None


def _resolve_pair(base: str, alt: str, index: OrgIndex, min_score: float, margin: float) -> OrgMatch:
    """A name with an acronym: both must agree; an acronym alone needs the name to point its way (≥ 70)."""
    match = _resolve(base, index, min_score, margin, split=False)
    alt_ids = index.acronym_ids(alt)
    if match.org_id is not None and (not alt_ids or match.org_id in alt_ids):
        return match
    cands = dict(match.candidates)
    if match.org_id is None and len(alt_ids) == 1:
        (org_id,) = alt_ids
        if cands.get(org_id, 0.0) >= 70:
            return OrgMatch(org_id, cands[org_id], match.candidates)
    merged = sorted({**{i: 100.0 for i in alt_ids}, **cands}.items(), key=lambda kv: (-kv[1], kv[0]))
    conflict = match.org_id is not None and bool(alt_ids)
    return OrgMatch(None, match.score, tuple(merged[:5]), ambiguous=conflict or match.ambiguous)


def _resolve(name: str, index: OrgIndex, min_score: float, margin: float, *, split: bool) -> OrgMatch:
    full = normalize(name)
    if not full:
        return OrgMatch(None)
    ids = index.exact_ids(full)
    if ids:
        return _from_ids(ids)
    alt = _alternate(name) if split else None
    if alt is not None:
        return _resolve_pair(alt[0], alt[1], index, min_score, margin)
    return _fuzzy(full, index, min_score, margin)


def resolve(name: str, index: OrgIndex, *, min_score: float = 88, margin: float = 8) -> OrgMatch:
    """The organisation a signatory name or user query refers to; org_id None when unknown or ambiguous.

    Order: exact normalised name; name + acronym ("… (STJ)"), both agreeing; fuzzy (see the module doc).
    ``candidates`` lists the best organisations (the winner first) with their scores; ``ambiguous`` is set
    when no winner was chosen among several close ones."""
    return _resolve(name, index, min_score, margin, split=True)


# ───────────────────────────── user queries ─────────────────────────────

SUGGEST_FLOOR = 50.0  # a candidate scoring less is not offered ("not found" when none is left)
WINNER_SCORE = 80.0  # a best candidate this good …
WINNER_LEAD = 15.0  # … and this far ahead of the next is what the user meant (90 vs 60)


def query_words(full: str) -> tuple[str, ...]:
    """The words of a normalised query or name for token overlap: proclitics dropped (الشبكة → شبكه), type
    words kept, function words dropped (all of them only when nothing else is left)."""
    words = tuple(_stem(t) for t in full.split() if t not in _FUNCTION_WORDS)
    return words or tuple(_stem(t) for t in full.split())


def _overlap(words: tuple[tuple[str, float], ...], form_words: tuple[str, ...]) -> float:
    """Weighted share of the query's words found in a name form (a misspelt word counts its similarity)."""
    if not words or not form_words:
        return 0.0
    total = 0.0
    for w, weight in words:
        found = max((1.0 if w == f else fuzz.ratio(w, f) / 100 if _alike(w, f) else 0.0) for f in form_words)
        total += weight * found
    return total / sum(weight for _, weight in words)


def _form_score(full: str, words: tuple[tuple[str, float], ...], form: str) -> tuple[float, float]:
    """(score 0–100, tie-break) of one name form: token overlap 60 %, WRatio of the whole strings 40 %;
    ties go to the form closest to the query as a whole (the shorter name, not the lower id)."""
    overlap = _overlap(words, query_words(form))
    whole = fuzz.WRatio(full, form, processor=None)
    score = 60 * overlap + 40 * whole / 100 * (1.0 if overlap else 0.5)
    return score, fuzz.ratio(full, form, processor=None)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What a user's organisation name may mean: the candidates best first, and the winner when clear."""

    candidates: tuple[tuple[int, float], ...]
    winner: int | None = None


def suggest(query: str, index: OrgIndex, limit: int = 5) -> Suggestion:
    """Rank organisations for a user query by the whole query (nothing dropped): acronym hits first, then
    token overlap and fuzzy score over every name form (Arabic, English, acronyms, aliases). Candidates
    under SUGGEST_FLOOR are left out; a best one over WINNER_SCORE, WINNER_LEAD ahead of the next, wins."""
    full = normalize(query)
    if not full:
        return Suggestion(())
    words = query_words(full)
    weighted = tuple((w, index.weight(w)) for w in words)
    acronym_hits = {i for w in {full, *full.split()} for i in index.acronyms_only(w)}
    ranked: list[tuple[bool, float, float, int]] = []
    for org_id, forms in index.forms_near(full, words).items():
        score, tie = max(_form_score(full, weighted, form) for form in forms)
        hit = org_id in acronym_hits
        if hit or score >= SUGGEST_FLOOR:
            ranked.append((not hit, -(100.0 if hit else score), -tie, org_id))
    for org_id in acronym_hits - {r[3] for r in ranked}:
        ranked.append((False, -100.0, 0.0, org_id))
    ranked.sort()
    cands = tuple((org_id, round(-score, 1)) for _, score, _, org_id in ranked[:limit])
    if not cands:
        return Suggestion(())
    runner_up = cands[1][1] if len(cands) > 1 else 0.0
    clear = cands[0][1] >= WINNER_SCORE and cands[0][1] - runner_up >= WINNER_LEAD
    return Suggestion(cands, cands[0][0] if clear else None)


def search_candidates(query: str, index: OrgIndex, limit: int = 5) -> list[tuple[int, float]]:
    """Organisations a user query may mean, best first (the resolved one, if any, leads). Scores 0–100."""
    match = resolve(query, index)
    found = list(suggest(query, index, limit).candidates)
    if match.org_id is not None:
        found = [(match.org_id, match.score)] + [c for c in found if c[0] != match.org_id]
    return found[:limit]
