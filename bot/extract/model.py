"""The fitted models of extraction: logistic weights over named features, read from weights.json.

Owns `Linear` (bias + weights → a probability), `Model` (the statement decision and the issuer choice)
and the committed `bot/extract/weights.json`, written by `bench/fit_weights.py` (which records what it
was fitted on). Pure Python at run time: no numerical library is needed to apply a fitted model.
Contains no I/O beyond reading the packaged weights file once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("weights.json")


@dataclass(frozen=True)
class Linear:
    """A logistic model: P = sigmoid(bias + Σ weight·feature); features missing from the page count 0."""

    bias: float = 0.0
    weights: Mapping[str, float] = field(default_factory=dict)

    def logit(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())

    def prob(self, features: Mapping[str, float]) -> float:
        z = max(-30.0, min(30.0, self.logit(features)))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, object]:
        return {
            "bias": round(self.bias, 6),
            "weights": {k: round(v, 6) for k, v in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Linear:
        raw = data.get("weights", {})
        weights = {str(k): float(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        bias = data.get("bias", 0.0)
        return cls(float(bias) if isinstance(bias, int | float) else 0.0, weights)


@dataclass(frozen=True)
class Model:
    """The two decisions extraction leaves to data: is the page a statement, and which candidate issues it."""

    statement: Linear
    issuer: Linear
    issuer_floor: float = 0.2  # below this, no candidate is trusted as the issuer

    def to_json(self) -> dict[str, object]:
        return {
            "statement": self.statement.to_json(),
            "issuer": self.issuer.to_json(),
            "issuer_floor": self.issuer_floor,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Model:
        statement, issuer = data.get("statement", {}), data.get("issuer", {})
        floor = data.get("issuer_floor", 0.2)
        return cls(
            Linear.from_json(statement if isinstance(statement, dict) else {}),
            Linear.from_json(issuer if isinstance(issuer, dict) else {}),
            float(floor) if isinstance(floor, int | float) else 0.2,
        )


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The committed model (an empty one, which finds no statement, if the file is missing)."""
    try:
        return Model.from_json(json.loads(WEIGHTS.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return Model(Linear(-5.0), Linear(-5.0))
