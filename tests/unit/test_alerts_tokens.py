"""Unsubscribe tokens: only ours, only for their subscriber; the kept key is private and made once."""
from __future__ import annotations

import stat

from notifiers.tokens import Tokens, key_file_secret


def test_a_token_opens_only_its_own_subscriber():
    tokens = Tokens(lambda: b"key")
    token = tokens.make(7, "a@example.org")
    assert tokens.subscriber_id(token) == 7
    assert tokens.valid(token, 7, "a@example.org")
    assert not tokens.valid(token, 8, "a@example.org")
    assert not tokens.valid(token, 7, "b@example.org")
    assert not tokens.valid(token[:-1] + ("A" if token[-1] != "A" else "B"), 7, "a@example.org")


def test_a_token_made_with_another_key_is_refused():
    forged = Tokens(lambda: b"guess").make(7, "a@example.org")
    assert not Tokens(lambda: b"key").valid(forged, 7, "a@example.org")


def test_nonsense_names_no_subscriber():
    tokens = Tokens(lambda: b"key")
    assert [tokens.subscriber_id(t) for t in ("", "x.y", "-1.abc", "9" * 40 + ".abc")] == [None] * 4


def test_the_kept_key_is_made_once_with_owner_only_permissions(tmp_path):
    first = key_file_secret(tmp_path)()
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert len(first) == 64 and key_file_secret(tmp_path)() == first


def test_the_key_is_read_only_when_first_needed(tmp_path):
    tokens = Tokens(key_file_secret(tmp_path))
    assert not (tmp_path / "secret_key").exists()
    token = tokens.make(1, "a@example.org")
    assert Tokens(key_file_secret(tmp_path)).valid(token, 1, "a@example.org")
