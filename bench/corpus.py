"""Extraction quality on labelled pages: in sample, leave-one-host-out, and how calibrated it is.

    python bench/corpus.py                  # the scorer's lines (committed weights) + leave-one-host-out
    python bench/corpus.py --extra DIR      # also a folder of labelled real pages (fitted on and held out)
    python bench/corpus.py --fresh DIR      # a folder of pages never fitted on: scored with every model
    python bench/corpus.py --ablate         # leave-one-host-out without each group of cues

In sample: the committed weights (bot/extract/weights.json) on the shared corpus, scored by
../shared/corpus/score.py itself (its last lines are printed), and on our own golden pages.
Leave-one-host-out: for every host of the real pages (real/ and the --extra folders), the models are
fitted on all other pages (our own pages included) and that host's pages are extracted with them; the
figures over all held-out pages are those of the scorer, over all real pages and (with --extra) per
folder. The reliability table bins the held-out statement probabilities (the `confidence` that the
pipeline stores): of the pages given about 0.9, about 90 % should be statements.
Skips clearly when ../shared/corpus does not exist. Needs numpy (the dev extra).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from fitting import Analysed, analyse_cases, fit_model, predict
from labelled import OWN, SHARED, Case, Tally, load_all, load_folder

from bot.extract.model import Model, default_model
from bot.extract.statement import decide

ABLATIONS = {  # cue groups of bot.extract.features, removed one at a time
    "signatory blocks": ("names2", "names1", "names_inline", "joint_issuers"),
    "signature / issuer block": ("has_signature", "has_issued", "has_top"),
    "own voice": ("first_person", "demand", "has_we_in"),
    "statement verbs": ("org_verbs", "has_opening", "has_subject", "subject_repeat", "title_verb"),
    "statement words": ("statement_word",),
    "title and lead": ("has_title", "has_lead", "reprint"),
    "recipients": ("recipients",),
    "reports": ("reports", "past_opening", "report_opening", "quoted", "counted"),
    "narration / credits": ("narration", "title_narration", "credit", "interview", "person_byline"),
    "unreported voice": ("signed_unreported", "voice_unreported", "subject_reported"),
    "listing / event / notice": ("listing", "repeated_lines", "event", "notice", "job", "short"),
    "dateline": ("dateline",),
}


def _scorer_lines(preds: dict[str, dict[str, object]], folders: list[Path]) -> list[str]:
    """../shared/corpus/score.py run over the predictions (its summary lines)."""
    scorer = SHARED / "score.py"
    with tempfile.TemporaryDirectory() as tmp:
        for cid, pred in preds.items():
            Path(tmp, f"{cid}.json").write_text(json.dumps(pred, ensure_ascii=False), encoding="utf-8")
        cmd = [sys.executable, str(scorer), "--pred", tmp, "-q"]
        for folder in folders:
            cmd += ["--cases", str(folder)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    keep = ("cases=", "statement_accuracy", "signatories macro", "issuer_accuracy", "kind_accuracy")
    keep += ("date_accuracy", "names_on")
    return [line for line in out.splitlines() if line.startswith(keep)]


def _tally(items: list[Analysed], preds: dict[str, dict[str, object]]) -> Tally:
    tally = Tally()
    for item in items:
        tally.add(item.case.id, item.case.gold, preds[item.case.id])
    return tally


Predictions = dict[str, dict[str, object]]


def held_out(
    items: list[Analysed], drop: frozenset[str] = frozenset()
) -> tuple[Predictions, list[tuple[float, bool]]]:
    """Leave-one-host-out predictions for every real page, and (probability, is a statement) pairs."""
    by_host: dict[str, list[Analysed]] = defaultdict(list)
    for item in items:
        if item.case.real:
            by_host[item.case.group].append(item)
    preds: dict[str, dict[str, object]] = {}
    probs: list[tuple[float, bool]] = []
    for host, test in sorted(by_host.items()):
        model = fit_model([i for i in items if i.case.group != host], drop)
        for item in test:
            preds[item.case.id] = predict(item, model)
            probs.append((model.statement.prob(item.analysis.features), bool(item.case.gold["is_statement"])))
    return preds, probs


def reliability(probs: list[tuple[float, bool]]) -> list[str]:
    bins = [(0.0, 0.1), (0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]
    rows = ["| confidence | pages | statements | share |", "|---|---|---|---|"]
    for low, high in bins:
        got = [is_st for p, is_st in probs if low <= p < high]
        share = f"{sum(got) / len(got):.2f}" if got else "-"
        rows.append(f"| {low:.1f}–{min(high, 1.0):.1f} | {len(got)} | {sum(got)} | {share} |")
    return rows


def _print_fresh(folder: Path, model: Model, wrong: bool) -> None:
    fresh = analyse_cases(load_folder(folder, real=True))
    preds = {i.case.id: decide(i.analysis, model).to_json() for i in fresh}
    print(f"\n## Fresh pages, never fitted on: {folder}")
    tally = _tally(fresh, preds)
    print(tally.line())
    print("\n".join(_scorer_lines(preds, [folder])))
    if wrong:
        print("wrong: " + " ".join(tally.wrong))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--extra", type=Path, action="append", default=[])
    ap.add_argument("--fresh", type=Path, action="append", default=[])
    ap.add_argument("--ablate", action="store_true")
    ap.add_argument("--wrong", action="store_true", help="list the held-out pages that are wrong")
    args = ap.parse_args(argv)
    if not (args.shared / "real").is_dir():
        print(f"skipped: no shared corpus at {args.shared} (the real pages are kept outside the repository)")
        return 0
    cases: list[Case] = load_all(args.shared, args.extra)
    items = analyse_cases(cases)
    model = default_model()
    insample = {i.case.id: decide(i.analysis, model).to_json() for i in items}
    real_folders = [args.shared / "real", *args.extra]
    print("## In sample (committed weights), ../shared/corpus/score.py")
    print("real/ + extra:\n  " + "\n  ".join(_scorer_lines(insample, real_folders)))
    corpus = [args.shared / "seeds", args.shared / "cases", *real_folders]
    print("seeds + cases + real/ + extra:\n  " + "\n  ".join(_scorer_lines(insample, corpus)))
    own = [i for i in items if i.case.folder == OWN.name]
    print(f"own golden pages ({len(own)}): {_tally(own, insample).line()}")
    preds, probs = held_out(items)
    print("\n## Leave-one-host-out (fitted without the host, that host scored)")
    print("\n".join("  " + line for line in _scorer_lines(preds, real_folders)))
    held = [i for i in items if i.case.real]
    tally = _tally(held, preds)
    print("  all real pages: " + tally.line())
    if args.wrong:
        print("  wrong: " + " ".join(tally.wrong))
    if args.extra:
        for folder in real_folders:
            part = [i for i in held if i.case.folder == folder.name]
            print(f"  {folder.name}/ ({len(part)}): {_tally(part, preds).line()}")
    print("\n## Reliability of the held-out statement probability\n" + "\n".join(reliability(probs)))
    for folder in args.fresh:
        _print_fresh(folder, model, args.wrong)
    if args.ablate:
        print("\n## Ablation: leave-one-host-out without a cue group")
        for name, feats in ABLATIONS.items():
            p, _ = held_out(items, frozenset(feats))
            print(f"- without {name}: {_tally(held, p).line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
