"""Fitting the extraction models: L2-regularised logistic regression over the analyses of labelled pages.

`analyse_cases` runs the weight-free half of extraction (bot.extract.statement.analyse) once per page;
`fit_model` fits the statement decision (every page: statement or not) and the issuer choice (every
candidate of every single-organisation statement: is it the expected issuer, by the scorer's
normalisation) and returns a `Model` that bot.extract applies at run time. Newton's method on the
penalised log-likelihood (numpy, a development dependency): deterministic, no random state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from labelled import Case, norm

from bot.extract.issuer import issuer_form
from bot.extract.model import Linear, Model
from bot.extract.statement import Analysis, analyse, decide
from bot.models import Hints

L2_STATEMENT = 0.3
L2_ISSUER = 0.3


def hints_of(case: Case) -> Hints:
    raw = case.hints
    return Hints(
        language=raw.get("language") if isinstance(raw.get("language"), str) else None,  # type: ignore[arg-type]
        statements_only=bool(raw.get("statements_only", False)),
        source_name=raw.get("source_name") if isinstance(raw.get("source_name"), str) else None,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Analysed:
    case: Case
    analysis: Analysis


def analyse_cases(cases: Iterable[Case]) -> list[Analysed]:
    return [Analysed(c, analyse(c.content(), hints_of(c))) for c in cases]


def logistic(rows: Sequence[dict[str, float]], labels: Sequence[int], weights: Sequence[float],
             l2: float, drop: frozenset[str] = frozenset()) -> Linear:  # fmt: skip
    """Weighted logistic regression; features in ``drop`` are left out (for ablations)."""
    names = sorted({k for row in rows for k in row if k not in drop})
    if not rows or not names:
        return Linear(0.0, {})
    index = {n: i for i, n in enumerate(names)}
    x = np.zeros((len(rows), len(names) + 1))
    x[:, -1] = 1.0
    for r, row in enumerate(rows):
        for k, v in row.items():
            if k in index:
                x[r, index[k]] = v
    y = np.asarray(labels, dtype=float)
    sw = np.asarray(weights, dtype=float)
    penalty = np.full(len(names) + 1, l2)
    penalty[-1] = 1e-4  # the bias is not shrunk
    w = np.zeros(len(names) + 1)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (sw * (y - p)) - penalty * w
        hess = (x * (sw * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return Linear(float(w[-1]), {n: float(w[i]) for n, i in index.items() if abs(w[i]) > 1e-9})


OWN_WEIGHT = 3.0  # weight of a page of our own golden suite (tests/fixtures/pages) against a real page


def _weight(case: Case) -> float:
    return OWN_WEIGHT if case.folder == "pages" else 1.0


def statement_rows(items: Sequence[Analysed]) -> tuple[list[dict[str, float]], list[int], list[float]]:
    rows = [a.analysis.features for a in items]
    labels = [1 if a.case.gold["is_statement"] else 0 for a in items]
    return rows, labels, [_weight(a.case) for a in items]


def issuer_rows(items: Sequence[Analysed]) -> tuple[list[dict[str, float]], list[int], list[float]]:
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    weights: list[float] = []
    for a in items:
        gold = norm(str(a.case.gold.get("issuer") or ""))
        if not gold or not a.case.gold["is_statement"]:
            continue
        cands = a.analysis.candidates
        said = [norm(issuer_form(c.name)) for c in cands]  # the name as best_issuer reports it
        if gold not in said:
            continue  # nothing to learn from: the right name is not among the candidates
        for name, feats in zip(said, a.analysis.candidate_features, strict=True):
            rows.append(feats)
            labels.append(1 if name == gold else 0)
            weights.append(_weight(a.case) / len(cands))
    return rows, labels, weights


def fit_model(items: Sequence[Analysed], drop: frozenset[str] = frozenset()) -> Model:
    s_rows, s_labels, s_w = statement_rows(items)
    i_rows, i_labels, i_w = issuer_rows(items)
    return Model(
        logistic(s_rows, s_labels, s_w, L2_STATEMENT, drop),
        logistic(i_rows, i_labels, i_w, L2_ISSUER, drop),
    )


def predict(item: Analysed, model: Model) -> dict[str, object]:
    return decide(item.analysis, model).to_json()
