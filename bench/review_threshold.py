"""What the review threshold sends to review and how many of the extractor's errors it catches (issue 14).

    python bench/review_threshold.py                    # thresholds 0.6, 0.7, 0.8 on ../shared/corpus/real
    python bench/review_threshold.py --threshold 0.9    # other thresholds (repeat the option)

Uses the leave-one-host-out predictions of ``bench/corpus.py`` (``held_out``: every real page extracted
by models fitted without its host), so the figures are those of pages from a site the weights never saw.
A page goes to review as the pipeline decides it (``models.ReviewPolicy.doubtful``): its certainty — the
statement probability for a page read as a statement, one minus it for a non-statement — is below the
threshold. A page is *wrong* when the statement decision is wrong, or, for a statement, its signatories
are not exactly right (F1 < 1), or its issuer or kind differ from the label. Skips clearly when
../shared/corpus does not exist. Needs numpy (the dev extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corpus import held_out
from fitting import Analysed, analyse_cases
from labelled import SHARED, _names, _prf, load_all, norm

from bot.models import ReviewPolicy

DEFAULT_THRESHOLDS = (0.6, 0.7, 0.8)


def errors(gold: dict[str, object], pred: dict[str, object]) -> list[str]:
    """What is wrong in one prediction: "statement" (the decision), "names", "issuer", "kind"."""
    p_stmt, g_stmt = pred.get("is_statement") is True, bool(gold["is_statement"])
    if p_stmt != g_stmt:
        return ["statement"]
    if not g_stmt:
        return []
    wrong = []
    ps, gs = _names(pred.get("signatories")), _names(gold["signatories"])
    if _prf(sum((ps & gs).values()), sum(ps.values()), sum(gs.values()))[2] < 1.0:
        wrong.append("names")
    issuer = norm(str(gold.get("issuer") or ""))
    if issuer and norm(str(pred.get("issuer") or "")) != issuer:
        wrong.append("issuer")
    if pred.get("kind") != gold["kind"]:
        wrong.append("kind")
    return wrong


def table(items: list[Analysed], preds: dict[str, dict[str, object]], thresholds: list[float]) -> list[str]:
    """One markdown row per threshold: pages to review, wrong pages caught (all errors and decision ones)."""
    held = [i for i in items if i.case.real]
    wrong = {i.case.id: errors(i.case.gold, preds[i.case.id]) for i in held}
    bad = [cid for cid, w in wrong.items() if w]
    decision = [cid for cid, w in wrong.items() if "statement" in w]
    rows = [
        f"{len(held)} held-out real pages; {len(bad)} wrong extractions ({len(decision)} wrong statement "
        "decisions)",
        "",
        "| threshold | pages to review | share of pages | wrong ones in the queue | "
        "wrong decisions in the queue | right pages reviewed |",
        "|---|---|---|---|---|---|",
    ]
    for t in thresholds:
        policy = ReviewPolicy(threshold=t)
        queued = {i.case.id for i in held if policy.doubtful(_confidence(preds[i.case.id]), _is(preds, i))}
        caught, caught_decision = len(queued & set(bad)), len(queued & set(decision))
        rows.append(
            f"| {t:.2f} | {len(queued)} | {len(queued) / len(held):.2f} | {caught}/{len(bad)} "
            f"({_share(caught, len(bad))}) | {caught_decision}/{len(decision)} "
            f"({_share(caught_decision, len(decision))}) | {len(queued) - caught} |"
        )
    return rows


def _confidence(pred: dict[str, object]) -> float:
    value = pred.get("confidence")
    return float(value) if isinstance(value, int | float) else 0.0


def _is(preds: dict[str, dict[str, object]], item: Analysed) -> bool:
    return preds[item.case.id].get("is_statement") is True


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--threshold", type=float, action="append", default=[])
    ap.add_argument("--list", action="store_true", help="each held-out page: certainty and what is wrong")
    args = ap.parse_args(argv)
    if not (args.shared / "real").is_dir():
        print(f"skipped: no shared corpus at {args.shared} (the real pages are kept outside the repository)")
        return 0
    items = analyse_cases(load_all(args.shared))
    preds, _ = held_out(items)
    print("\n".join(table(items, preds, args.threshold or list(DEFAULT_THRESHOLDS))))
    if args.list:
        for i in sorted((i for i in items if i.case.real), key=lambda i: i.case.id):
            pred = preds[i.case.id]
            sure = ReviewPolicy.certainty(_confidence(pred), _is(preds, i))
            print(f"{i.case.id} certainty={sure:.3f} wrong={','.join(errors(i.case.gold, pred)) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
