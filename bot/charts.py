"""Charts as PNG bytes (`/chart`, `bayan chart`): an organisation's statements per month, their kinds and
its top co-signers (``render_org``), or the whole field's statements per month and most active
signatories (``render_field``), from a ``models.Activity``.

Rendering: matplotlib's object API on the Agg canvas (no display, no pyplot state), one chart at a time
(``_LOCK``: callers render in threads), WIDTH × HEIGHT pixels, an opaque light background with dark text
(the same picture reads in Telegram's light and dark themes). Text is drawn in the DejaVu Sans that ships
inside matplotlib (it has the Arabic letters and their presentation forms), so the font is there wherever
the extra is installed. Arabic is shaped (arabic-reshaper: joined letter forms, lam-alef ligatures) and put
in visual order by python-bidi's pure-Python ``bidi.algorithm`` (its Rust-backed ``bidi.get_display``
leaves brackets unmirrored: docs/libraries.md); labels are in the reader's language (``tg.i18n``).

matplotlib, arabic-reshaper and python-bidi are the optional extra ``bayan[charts]``, imported only when a
chart is drawn; ``missing()`` says which is absent, and drawing without them raises ChartsUnavailable.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bot.models import Activity, BayanError, Org
from bot.tg import i18n

WIDTH, HEIGHT, DPI = 1280, 960, 100  # pixels of every chart
LIBRARIES = ("matplotlib", "arabic_reshaper", "bidi")  # the extra bayan[charts], as imported
NAME_MAX = 42  # characters of an organisation's name on a bar
TITLE_MAX = 80
INK, MUTED, GRID, PAPER = "#1f2328", "#57606a", "#d8dee4", "#ffffff"
MONTH_BAR, KIND_BAR, ORG_BAR = "#2f6db5", "#b4532a", "#2d8062"
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)  # months between labelled ticks
_MAX_TICKS = 12
_LRM, _RLM = "\u200e", "\u200f"
_DROP = dict.fromkeys(map(ord, "\u200e\u200f\u061c"))  # marks that only steer the bidi algorithm
_LOCK = threading.Lock()


class ChartsUnavailable(BayanError):
    """A chart was asked for where the optional extra bayan[charts] is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"charts need the optional extra: pip install 'bayan[charts]' ({missing} is missing)"
        )


def missing() -> str | None:
    """The first library of the extra that cannot be imported, else None (nothing is imported here)."""
    for name in LIBRARIES:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except (ImportError, ValueError):
            return name
    return None


# ───────────────────────────── text ─────────────────────────────


def shape(text: str, base: str | None = None) -> str:
    """``text`` as it is handed to matplotlib. ``base`` "R"/"L" sets the paragraph direction (None: that of
    its first strong letter). matplotlib 3.11 and later lay text out themselves (libraqm: bidi and
    HarfBuzz shaping), so they get the logical text, with a mark for the direction; older ones draw code
    points left to right as given, so Arabic is shaped (arabic-reshaper) and put in visual order
    (python-bidi) here. Text without Arabic is returned as it is."""
    if not i18n.has_rtl(text):
        return text.translate(_DROP)
    if lays_out_text():
        return {"R": _RLM, "L": _LRM}.get(base or "", "") + text
    import arabic_reshaper
    from bidi.algorithm import get_display

    shown = get_display(arabic_reshaper.reshape(text), base_dir=base)
    return str(shown).translate(_DROP)


@functools.cache
def lays_out_text() -> bool:
    """Does this matplotlib order and shape text itself (built with libraqm, 3.11 and later)?"""
    from matplotlib import ft2font

    return hasattr(ft2font, "__libraqm_version__")


def _clean(text: str, limit: int) -> str:
    """An untrusted name on one line, without bidi controls, cut to ``limit`` characters."""
    text = " ".join(i18n.strip_bidi(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ltr(text: str) -> str:
    """Digits and dashes kept left to right inside Arabic ("2024-03" would otherwise read "03-2024")."""
    return f"{_LRM}{text}{_LRM}"


def org_title(org: Org, lang: str) -> str:
    """The organisation's name in the reader's language, with its first acronym."""
    name = org.display_name(lang)
    return f"{name} ({org.acronyms[0]})" if org.acronyms and org.acronyms[0] not in name else name


def span_text(first: date | None, last: date | None, lang: str) -> str:
    """ "2021-03-04 – 2025-11-02" ("من … إلى …"; one date when they are the same day, "" when unknown),
    plain text; in Arabic each date is held left to right (``_ltr``)."""
    if first is None or last is None:
        return ""
    keep = _ltr if lang == "ar" else str
    if first == last:
        return keep(first.isoformat())
    return i18n.plain("chart_span", lang, first="{first}", last="{last}").format(
        first=keep(first.isoformat()), last=keep(last.isoformat())
    )


def subtitle(activity: Activity, lang: str) -> str:
    """ "34 statements · with 12 organisations · 2021-03-04 – 2025-11-02" in ``lang`` (plain text)."""
    key = "chart_with_orgs" if activity.org is not None else "chart_signed_by"
    parts = [i18n.count(activity.total, "statement", lang)]
    parts.append(i18n.plain(key, lang, orgs=i18n.count_orgs(activity.orgs, lang)))
    if span := span_text(activity.first, activity.last, lang):
        parts.append(span)
    return " · ".join(parts)


# ───────────────────────────── drawing ─────────────────────────────


def _fonts() -> tuple[Any, Any]:
    from matplotlib import get_data_path
    from matplotlib.font_manager import FontProperties

    ttf = Path(get_data_path()) / "fonts" / "ttf"
    return FontProperties(fname=ttf / "DejaVuSans.ttf"), FontProperties(fname=ttf / "DejaVuSans-Bold.ttf")


class _Canvas:
    """One figure being drawn: the fonts, the reader's language and the figure itself."""

    def __init__(self, lang: str) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.layout_engine import ConstrainedLayoutEngine

        self.lang = i18n.norm_lang(lang)
        self.rtl = self.lang == "ar"
        self.font, self.bold = _fonts()
        layout = ConstrainedLayoutEngine(h_pad=0.12, w_pad=0.12, hspace=0.06, wspace=0.04)
        self.figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor=PAPER, layout=layout)
        FigureCanvasAgg(self.figure)

    def label(self, key: str, **kw: object) -> str:
        return shape(i18n.plain(key, self.lang, **kw), "R" if self.rtl else "L")

    def header(self, head: Any, title: str, sub: str) -> None:
        """The chart's title and subtitle, on the reading side of their own strip; a title wider than the
        picture is cut (with "…") until it fits."""
        x, align = (0.985, "right") if self.rtl else (0.015, "left")
        base = "R" if self.rtl else "L"
        limit = TITLE_MAX
        drawn = head.text(x, 0.86, "", ha=align, va="top", color=INK, fontsize=21, fontproperties=self.bold)
        renderer = self.figure.canvas.get_renderer()  # type: ignore[attr-defined]
        while True:
            drawn.set_text(shape(_clean(title, limit)))
            if limit <= 10 or drawn.get_window_extent(renderer).width <= WIDTH * 0.96:
                break
            limit = int(limit * 0.9)
        head.text(x, 0.1, shape(sub, base), ha=align, va="bottom", color=MUTED, fontsize=13,
                  fontproperties=self.font)  # fmt: skip

    def _frame(self, ax: Any, title_key: str) -> None:
        ax.set_facecolor(PAPER)
        ax.set_title(self.label(title_key), loc="right" if self.rtl else "left", color=INK, fontsize=14,
                     fontproperties=self.bold, pad=10)  # fmt: skip
        for side in ("top", "left", "right"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color(GRID)
        ax.tick_params(colors=MUTED, labelsize=11, length=0)

    def _tick_fonts(self, ax: Any, size: float) -> None:
        for text in (*ax.get_xticklabels(), *ax.get_yticklabels()):
            text.set_fontproperties(self.font)
            text.set_fontsize(size)
            text.set_color(INK if text in ax.get_yticklabels() else MUTED)

    def months(self, ax: Any, months: Sequence[tuple[str, int]]) -> None:
        """Statements per month: a bar per month, time running left to right in both languages."""
        from matplotlib.ticker import MaxNLocator

        self._frame(ax, "chart_per_month")
        counts = [n for _, n in months]
        ax.bar(range(len(counts)), counts, width=0.8 if len(counts) < 60 else 1.0, color=MONTH_BAR)
        ticks = month_ticks([m for m, _ in months])
        ax.set_xticks([i for i, _ in ticks], [label for _, label in ticks])
        ax.set_xlim(-0.7, max(len(counts), 1) - 0.3)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        if self.rtl:
            ax.yaxis.tick_right()
        self._tick_fonts(ax, 11)

    def ranking(self, ax: Any, title_key: str, rows: Sequence[tuple[str, int]], color: str) -> None:
        """Horizontal bars, the largest on top, names beside them on the reading side, counts at the
        bars' ends; in Arabic the bars grow from right to left."""
        self._frame(ax, title_key)
        ax.set_yticks([])
        ax.set_xticks([])
        ax.spines["bottom"].set_visible(False)
        if not rows:
            ax.text(0.5, 0.5, self.label("chart_none"), ha="center", va="center", color=MUTED, fontsize=12,
                    fontproperties=self.font, transform=ax.transAxes)  # fmt: skip
            return
        names = [shape(_clean(name, NAME_MAX)) for name, _ in rows]
        counts = [n for _, n in rows]
        ax.barh(range(len(rows)), counts, height=0.68, color=color)
        ax.set_yticks(range(len(rows)), names)
        ax.set_xlim(0, max(counts) * 1.14)
        if self.rtl:
            ax.invert_xaxis()
            ax.yaxis.tick_right()
        away, align = (-5, "right") if self.rtl else (5, "left")  # the count just past the bar's end
        for i, n in enumerate(counts):
            ax.annotate(str(n), (n, i), xytext=(away, 0), textcoords="offset points", ha=align, va="center",
                        color=INK, fontsize=11, fontproperties=self.font)  # fmt: skip
        ax.set_ylim(max(len(rows), 5) - 0.5, -0.5)
        self._tick_fonts(ax, 11.5)

    def png(self) -> bytes:
        out = io.BytesIO()
        self.figure.savefig(out, format="png", dpi=DPI, facecolor=PAPER)
        return out.getvalue()


def month_ticks(keys: Sequence[str]) -> list[tuple[int, str]]:
    """Where the month axis is labelled: at most _MAX_TICKS months a step apart, aligned on the calendar
    ("2024-04" every 3 months; the year alone when a step is a year or more)."""
    step = next((s for s in _MONTH_STEPS if len(keys) / s <= _MAX_TICKS), _MONTH_STEPS[-1])
    ticks = []
    for i, key in enumerate(keys):
        year, month = (int(p) for p in key.split("-"))
        if (year * 12 + month - 1) % step == 0:
            ticks.append((i, key if step < 12 else str(year)))
    if not ticks and keys:
        ticks.append((0, keys[0]))
    return ticks


def _kinds(activity: Activity, lang: str) -> list[tuple[str, int]]:
    return [(i18n.kind_label(k, lang), n) for k, n in sorted(activity.kinds.items(), key=lambda kv: -kv[1])]


def _draw(activity: Activity, lang: str, *, field: bool) -> bytes:
    if (absent := missing()) is not None:
        raise ChartsUnavailable(absent)
    with _LOCK:
        canvas = _Canvas(lang)
        lang = canvas.lang
        rows: Any = canvas.figure.subfigures(3, 1, height_ratios=(0.22, 1, 1.25))  # a layout each
        head, middle, bottom = rows
        title = (
            i18n.plain("chart_field_title", lang) if activity.org is None else org_title(activity.org, lang)
        )
        canvas.header(head, title, subtitle(activity, lang))
        canvas.months(middle.add_subplot(), activity.months)
        top = [(c.for_reader(lang), c.shared) for c in activity.top]
        if field:
            canvas.ranking(bottom.add_subplot(), "chart_top", top, ORG_BAR)
        else:
            widths = (1.75, 1.0) if canvas.rtl else (1.0, 1.75)
            first, second = bottom.subplots(1, 2, width_ratios=widths)
            kinds_ax, top_ax = (second, first) if canvas.rtl else (first, second)
            canvas.ranking(kinds_ax, "chart_kinds", _kinds(activity, lang), KIND_BAR)
            canvas.ranking(top_ax, "chart_cosigners", top, ORG_BAR)
        return canvas.png()


def render_org(activity: Activity, lang: str = "en") -> bytes:
    """An organisation's chart (``activity.org`` set) as PNG bytes: its statements per month, kinds and
    top co-signers, labelled in ``lang``. Raises ChartsUnavailable without the extra."""
    return _draw(activity, lang, field=False)


def render_field(activity: Activity, lang: str = "en") -> bytes:
    """The whole field's chart as PNG bytes: statements per month and the most active signatories."""
    return _draw(activity, lang, field=True)
