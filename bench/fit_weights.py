"""Fit the extraction models on every labelled page available and write bot/extract/weights.json.

    python bench/fit_weights.py                 # fit, print what it was fitted on, write the weights
    python bench/fit_weights.py --check         # fit, compare with the committed file (exit 1 if it differs)
    python bench/fit_weights.py --extra DIR     # also fit on a folder of labelled real pages (repeatable)

The pages: our own golden pages (tests/fixtures/pages), the shared corpus next to the repository when it
exists (../shared/corpus: seeds/, cases/, real/) and the --extra folders. The file records the counts, so
that a fit on fewer pages (no shared corpus) is visible as such. Needs numpy (the dev extra).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from fitting import analyse_cases, fit_model
from labelled import SHARED, load_all

from bot.extract.model import WEIGHTS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared corpus folder")
    ap.add_argument("--extra", type=Path, action="append", default=[], help="a folder of labelled real pages")
    ap.add_argument("--check", action="store_true", help="compare with the committed weights, write nothing")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    args = ap.parse_args(argv)
    cases = load_all(args.shared, args.extra)
    items = analyse_cases(cases)
    model = fit_model(items)
    folders = Counter(c.folder for c in cases)
    data = {
        "fitted_on": {
            "pages": len(cases),
            "statements": sum(1 for c in cases if c.gold["is_statement"]),
            "real_hosts": len({c.group for c in cases if c.real}),
            "folders": dict(sorted(folders.items())),
        },
        **model.to_json(),
    }
    print(f"fitted on {len(cases)} pages: " + ", ".join(f"{k} {v}" for k, v in sorted(folders.items())))
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("weights are up to date" if same else f"{args.out} differs from a fresh fit")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
