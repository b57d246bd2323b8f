"""Test doubles that speak real protocols over loopback HTTP (the fake Telegram Bot API)."""

from tests.fakes.fake_bot_api import Call, FakeBotAPI, parse_html, utf16_len

__all__ = ["Call", "FakeBotAPI", "parse_html", "utf16_len"]
