"""Organisation names through the real CLI (`bot.cli.main.main`) on a fresh database holding the shipped
feeds.yaml and registry, synced as `bayan poll` / `bayan run` do (`service.open_runtime`, no network):
every source's organisation by each of its names, and "did you mean" (issue 11 items 6 and 10)."""

from __future__ import annotations

import asyncio
import json
import shlex
from pathlib import Path

import pytest

from bot import config, console, service
from bot.cli.main import main

pytestmark = pytest.mark.integration

SHIPPED = Path(__file__).resolve().parents[2] / "feeds.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def synced(tmp_path: Path) -> list[str]:
    """A fresh database with the shipped feeds.yaml synced into it; the CLI arguments that reach it."""
    db = tmp_path / "bayan.db"

    async def prepare() -> None:
        async with service.open_runtime(str(db), config.read_sources(str(SHIPPED))):
            pass

    asyncio.run(prepare())
    return ["--db", str(db), "--config", str(SHIPPED)]


def test_a_fresh_database_holds_exactly_the_registry(
    synced: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "orgs", "list", "--json", *synced)
    assert code == 0
    assert sorted(o["slug"] or "" for o in json.loads(out)) == sorted(o.slug for o in config.read_registry())


def test_every_sources_org_is_found_by_acronym_english_and_arabic_name(
    synced: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    registry = {o.slug: o for o in config.read_registry()}
    wanted = sorted({s.org for s in config.read_sources(str(SHIPPED)) if s.org})
    assert set(wanted) <= set(registry), "every source's org is an id of bot/data/orgs.yaml"
    asked, wrong = 0, []
    for slug in wanted:
        org = registry[slug]
        for name in (*org.acronyms, org.en, org.ar):
            if not name:
                continue
            asked += 1
            code, out, err = run(capsys, "signed", name, "--json", *synced)
            found = json.loads(out).get("organisation", {}).get("slug") if out else None
            if code != 0 or found != slug:
                wrong.append((slug, name, code, found, err.strip()))
    assert asked >= 60 and wrong == []


def test_a_clear_winner_is_chosen(synced: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    for name, slug in [
        ("Amnesty", "amnesty"),
        ("Amnsty Internatonal", "amnesty"),
        ("Syrians for Truth", "stj"),
    ]:
        code, out, err = run(capsys, "signed", name, "--json", *synced)
        assert (code, json.loads(out)["organisation"]["slug"]) == (0, slug), err
    code, out, _ = run(capsys, "signed", "Amnesty", *synced)
    assert code == 0 and out.startswith(
        "\u2068منظمة العفو الدولية\u2069 / Amnesty International [amnesty]: 0 statements"
    )


def test_a_generic_word_lists_every_organisation_it_names(
    synced: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "signed", "الشبكة", "--json", *synced)
    data = json.loads(out)
    assert code == 1 and data["error"] == "ambiguous"
    assert {"snhr", "euromed-rights", "hurras", "swn"} <= {c["slug"] for c in data["candidates"]}
    code, _, err = run(capsys, "signed", "الشبكة", *synced)
    assert code == 1 and err.splitlines()[:2] == [
        "bayan: ambiguous organisation name '\u2068الشبكة\u2069'",
        "candidates:",
    ]


@pytest.mark.parametrize("name", ["Qwxz Zzyzx Vvq", "asdf", "منظمة اختبار", "foo bar"])
def test_nonsense_is_not_found_and_offers_nothing(
    synced: list[str], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, _ = run(capsys, "signed", name, "--json", *synced)
    assert code == 1 and json.loads(out) == {"error": "unknown", "query": name, "candidates": []}
    code, _, err = run(capsys, "signed", name, *synced)
    hint = f"no organisation comes close; search the statements' text: bayan search {shlex.quote(name)}"
    assert code == 1 and err == f"bayan: unknown organisation '{console.isolate_rtl(name)}'\n{hint}\n"
