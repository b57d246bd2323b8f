"""Bidi helpers of the bot's text: ``text.isolate_html`` (Telegram-HTML with /commands, ids and dates in
isolates) and ``i18n.strip_bidi`` (what users type loses its bidi controls), and the reader's organisation
name (``models.registry_name``)."""

from __future__ import annotations

from bot.models import SignatoryName, registry_name
from bot.tg import i18n
from bot.tg.text import isolate_html, plain

FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"


def test_commands_with_their_arguments_and_dates_are_isolated_in_arabic_lines() -> None:
    assert isolate_html("أرسل /subscribe all للكل") == f"أرسل {FSI}/subscribe all{PDI} للكل"
    assert isolate_html(f"{RLM}/help — الأوامر") == f"{RLM}{FSI}/help{PDI} — الأوامر"
    assert isolate_html("آخر نجاح: 2026-01-26 10:00 UTC") == f"آخر نجاح: {FSI}2026-01-26 10:00 UTC{PDI}"
    assert isolate_html("Send /help") == "Send /help"  # no Arabic: left alone


def test_tags_hrefs_entities_and_existing_isolates_are_kept() -> None:
    line = '<a href="https://example.org/a?x=1&amp;y=2">نص البيان</a> · القائمة: <b>/statement 12</b>'
    out = isolate_html(line)
    assert out.startswith('<a href="https://example.org/a?x=1&amp;y=2">نص البيان</a>')
    assert f"<b>{FSI}/statement 12{PDI}</b>" in out
    assert isolate_html("بحث &lt;b&gt; عن") == f"بحث {FSI}&lt;b&gt;{PDI} عن"
    already = f"عن «{FSI}Human Rights Watch{PDI}»"
    assert isolate_html(already) == already
    assert isolate_html(out) == out and plain(out).count("/statement 12") == 1


def test_strip_bidi_removes_every_control_and_keeps_the_text() -> None:
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    assert i18n.strip_bidi(f"{controls}عفو\u202eabc") == "عفوabc"
    assert "\u202e" not in i18n.t("search_header", "en", query="\u202eabc")
    assert i18n.strip_bidi("زهرة\u200cالربيع") == "زهرة\u200cالربيع"  # ZWNJ is a letter joiner, kept


def test_registry_name_in_the_readers_language_else_as_written() -> None:
    assert registry_name("الشبكة السورية لحقوق الإنسان", "Syrian Network for Human Rights", "en") == (
        "Syrian Network for Human Rights"
    )
    assert registry_name("Women Now for Development", "Women Now for Development", "ar") is None
    assert SignatoryName("STJ", "سوريون من أجل الحقيقة والعدالة", None).for_reader("en") == "STJ"
    assert SignatoryName("STJ", "سوريون من أجل الحقيقة والعدالة", None).for_reader("ar") == (
        "سوريون من أجل الحقيقة والعدالة"
    )
    assert SignatoryName("تجمع الأمل", None, None).for_reader("en") == "تجمع الأمل"  # provisional
