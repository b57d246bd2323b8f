"""`bayan chart [ORG] --out FILE.png`: an organisation's chart (statements per month, kinds, top co-signers),
or without ORG the whole field's (statements per month, most active signatories), as a PNG file.

ORG resolves like `bayan signed` and `bayan org` (``cli.orgs.find_org``: an ambiguous or unknown name lists
the candidates and exits 1). Nothing to draw (no statement stored, or none the organisation signed) is a
one-line message and exit 1, with no file written. Without the optional extra bayan[charts] the command
fails with one line (``charts.ChartsUnavailable``, exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import charts, storage
from bot.cli.common import open_db
from bot.cli.orgs import NameNotResolved, find_org, not_resolved, org_label
from bot.models import BayanError, Settings


def cmd_chart(args: argparse.Namespace, settings: Settings) -> int:
    if (absent := charts.missing()) is not None:
        raise charts.ChartsUnavailable(absent)
    db = open_db(settings)
    if args.name:
        try:
            org = find_org(db, args.name)
        except NameNotResolved as e:
            return not_resolved(e, False)
        activity = storage.org_activity(db, org.id)
        if not activity.total:
            print(
                f"bayan: no stored statement was signed by {org_label(org)}; no chart written",
                file=sys.stderr,
            )
            return 1
        picture = charts.render_org(activity, args.lang)
    else:
        activity = storage.field_activity(db)
        if not activity.total:
            print(
                "bayan: no statements stored yet (run `bayan poll --once`); no chart written", file=sys.stderr
            )
            return 1
        picture = charts.render_field(activity, args.lang)
    try:
        Path(args.out).write_bytes(picture)
    except OSError as e:
        raise BayanError(f"cannot write {args.out}: {e.strerror or e}") from None
    print(f"bayan: wrote {args.out} (PNG, {charts.WIDTH}×{charts.HEIGHT})", file=sys.stderr)
    return 0
