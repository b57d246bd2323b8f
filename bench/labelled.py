"""Labelled pages for the extraction benchmarks: loading, the corpus scorer's normalisation and metrics.

A case is a page with its expected result (the corpus schema of docs/extraction.md). Three kinds of
folder hold them: the project's own golden pages (tests/fixtures/pages, always present), the shared
development corpus next to the repository (../shared/corpus: seeds/, cases/, real/; evaluation data,
never copied into the repository) and any further folder of real pages in the corpus layout (--extra).
`metrics` computes the figures of ../shared/corpus/score.py for any set of cases, so that our own
pages (whose ids the scorer does not read) are measured the same way.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
OWN = ROOT / "tests" / "fixtures" / "pages"
SHARED = ROOT.parent / "shared" / "corpus"

_QUOTES = {ord(c): "'" for c in "‘’‛′`´"}
_QUOTES.update({ord(c): '"' for c in "“”„‟″«»"})
_QUOTES.update({ord(c): "-" for c in "‐‑‒–—―−"})
_EDGE = " \t\n.,;:!?،؛؟\"'*•·-_/\\|…"
_ENUM = re.compile(r"^\(?[0-9٠-٩۰-۹]{1,3}\s*[.)\-]\s*")


def norm(name: str) -> str:
    """The corpus scorer's name normalisation (../shared/corpus/score.py, `norm`)."""
    s = unicodedata.normalize("NFKC", name).replace("\u0640", "")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
    s = unicodedata.normalize("NFC", s).translate(_QUOTES)
    s = re.sub("[أإآٱ]", "ا", s).replace("ى", "ي").replace("ة", "ه")
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"\(\s+", "(", s)
    s = re.sub(r"\s+\)", ")", s).casefold()
    prev = None
    while prev != s:
        prev = s
        s = _ENUM.sub("", s.strip(_EDGE))
        s = re.sub(r"^the ", "", s)
    return s


@dataclass(frozen=True)
class Case:
    """One labelled page. ``group`` is what leave-one-host-out holds out together (the host of a real
    page; a case of its own for the project's pages); ``real`` marks pages published on the web."""

    id: str
    folder: str
    path: Path
    gold: dict[str, object]
    group: str
    real: bool
    hints: dict[str, object] = field(default_factory=dict)

    def content(self) -> str:
        return self.path.read_text(encoding="utf-8")


def host_of(url: object) -> str | None:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def load_folder(folder: Path, *, real: bool) -> list[Case]:
    """Every <id>.json + <id>.html (or .expected.json + .html/.txt for our own pages) of a folder."""
    cases: list[Case] = []
    own = folder == OWN
    pattern = "*.expected.json" if own else "*.json"
    for meta in sorted(folder.glob(pattern)):
        cid = meta.name.removesuffix(".expected.json") if own else meta.stem
        if not own and not re.fullmatch(r"[A-Z]\d{3}", cid):
            continue
        page = next((p for p in (folder / f"{cid}.html", folder / f"{cid}.txt") if p.exists()), None)
        if page is None:
            continue
        gold = json.loads(meta.read_text(encoding="utf-8"))
        host = host_of(gold.get("source_url")) if real else None
        hints = gold.get("hints", {}) if isinstance(gold.get("hints"), dict) else {}
        cases.append(
            Case(cid, folder.name, page, gold, host or f"{folder.name}:{cid}", real and bool(host), hints)
        )
    return cases


def corpus_folders(shared: Path = SHARED) -> list[tuple[Path, bool]]:
    """The shared corpus folders that exist, with whether their pages are real web pages."""
    out = [(shared / name, name == "real") for name in ("seeds", "cases", "real")]
    return [(path, real) for path, real in out if path.is_dir()]


def load_all(shared: Path = SHARED, extra: list[Path] | None = None, *, own: bool = True) -> list[Case]:
    """Our own pages, the shared corpus (when present) and the extra folders; a page whose id is already
    taken (the corpus pages copied among our fixtures) is read once, from the corpus."""
    cases: list[Case] = []
    for folder, real in corpus_folders(shared):
        cases += load_folder(folder, real=real)
    for folder in extra or []:
        cases += load_folder(folder, real=True)
    if own and OWN.is_dir():
        taken = {c.id for c in cases}
        cases += [c for c in load_folder(OWN, real=False) if c.id not in taken]
    return cases


# ───────────────────────────── metrics (as score.py computes them) ─────────────────────────────


def _names(values: object) -> Counter[str]:
    if not isinstance(values, list | tuple):
        return Counter()
    return Counter(norm(v) for v in values if isinstance(v, str) and norm(v))


def _prf(tp: int, npred: int, ngold: int) -> tuple[float, float, float]:
    if npred == 0 and ngold == 0:
        return 1.0, 1.0, 1.0
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Tally:
    """The scorer's headline figures over a set of cases."""

    cases: int = 0
    stmt_ok: int = 0
    f1: list[float] = field(default_factory=list)
    issuer: list[bool] = field(default_factory=list)
    kind: list[bool] = field(default_factory=list)
    date: list[bool] = field(default_factory=list)
    neg_names: int = 0
    wrong: list[str] = field(default_factory=list)

    def add(self, cid: str, gold: dict[str, object], pred: dict[str, object]) -> None:
        self.cases += 1
        p_stmt, g_stmt = pred.get("is_statement") is True, bool(gold["is_statement"])
        self.stmt_ok += p_stmt == g_stmt
        ps, gs = _names(pred.get("signatories")), _names(gold["signatories"])
        if not g_stmt:
            self.neg_names += sum(ps.values()) + sum(_names(pred.get("individuals")).values())
            if p_stmt:
                self.wrong.append(f"{cid}:stmt")
            return
        f1 = _prf(sum((ps & gs).values()), sum(ps.values()), sum(gs.values()))[2]
        self.f1.append(f1)
        issuer = norm(str(gold.get("issuer") or ""))
        if issuer:
            self.issuer.append(norm(str(pred.get("issuer") or "")) == issuer)
        self.kind.append(pred.get("kind") == gold["kind"])
        if gold.get("published"):
            self.date.append(str(pred.get("published") or "")[:10] == gold["published"])
        if not p_stmt:
            self.wrong.append(f"{cid}:missed")
        elif f1 < 1.0:
            self.wrong.append(f"{cid}:names")

    def line(self) -> str:
        def share(xs: list[bool]) -> str:
            return f"{sum(xs) / len(xs):.3f} ({sum(xs)}/{len(xs)})" if xs else "-"

        macro = sum(self.f1) / len(self.f1) if self.f1 else 0.0
        return (
            f"statement={self.stmt_ok / max(self.cases, 1):.3f} ({self.stmt_ok}/{self.cases})  "
            f"signatory_macro_F1={macro:.3f}  issuer={share(self.issuer)}  kind={share(self.kind)}  "
            f"date={share(self.date)}  names_on_non_statements={self.neg_names}"
        )

    def figures(self) -> dict[str, float]:
        def avg(xs: list[bool] | list[float]) -> float:
            return sum(xs) / len(xs) if xs else 0.0

        return {
            "statement": self.stmt_ok / max(self.cases, 1),
            "f1": avg(self.f1),
            "issuer": avg(self.issuer),
            "kind": avg(self.kind),
            "date": avg(self.date),
            "neg_names": float(self.neg_names),
        }
