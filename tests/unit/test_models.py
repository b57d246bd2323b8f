"""bot.models' records (issue 12 item 4, fast start): frozen dataclasses whose repr, equality and hash are
shared functions, not code generated per class at import, and which answer exactly what a plain
``dataclass(frozen=True)`` of the same fields answers."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import date
from typing import Any

import pytest

from bot import models
from bot.models import Item, NotModified, Settings, SignatureRecord, Source, Statement, Validators

RECORDS = [cls for _, cls in inspect.getmembers(models, inspect.isclass) if dataclasses.is_dataclass(cls)]


def twin(cls: type) -> Any:
    """A plain ``dataclass(frozen=True)`` with the same name and fields as ``cls``: the reference."""
    spec = [(f.name, f.type, dataclasses.field(default=None, repr=f.repr, compare=f.compare, hash=f.hash))
            for f in dataclasses.fields(cls)]  # fmt: skip
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=True)


def as_twin(record: Any) -> Any:
    ref = twin(type(record))
    ref.__qualname__ = type(record).__qualname__
    return ref(**{f.name: getattr(record, f.name) for f in dataclasses.fields(record)})


def test_every_record_shares_one_repr_eq_and_hash() -> None:
    assert len(RECORDS) >= 30
    assert {cls.__eq__ for cls in RECORDS} == {models._record_eq}
    assert {cls.__hash__ for cls in RECORDS} == {models._record_hash}
    assert {cls.__repr__ for cls in RECORDS if cls is not Settings} == {models._record_repr}


SAMPLES = [
    Validators("etag-1", None, "abc"),
    NotModified("https://example.org/feed"),
    Item("k1", "https://example.org/1", "بيان", date(2026, 1, 2), None),
    SignatureRecord(raw_name="منظمة العدالة", position=0, org_id=None, score=0.0, role="signatory"),
    Source(id="s", url="https://example.org/feed", keywords=("بيان",)),
    Statement(is_statement=True, signatories=("A", "B")),
]


@pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).__name__)
def test_a_record_answers_as_its_plain_dataclass_twin(record: Any) -> None:
    ref = as_twin(record)
    assert repr(record) == repr(ref)
    assert hash(record) == hash(ref)
    same = dataclasses.replace(record)
    assert same == record and same is not record and hash(same) == hash(record)
    first = dataclasses.fields(record)[0].name
    other = dataclasses.replace(record, **{first: "something else"})
    assert other != record and (other == record) == (as_twin(other) == ref)
    assert record != ref  # another class, even with equal fields (as dataclasses do)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.__setattr__(first, "x")


def test_settings_keeps_its_own_repr_without_the_token() -> None:
    shown = repr(Settings(token="123:secret"))
    assert "secret" not in shown and shown.startswith("Settings(token=set")
    assert Settings(token="a") == Settings(token="a") != Settings(token="b")
