from __future__ import annotations

from slipway.gha import Masker


def test_add_returns_newly_registered_values() -> None:
    masker = Masker()
    assert masker.add("s3cret") == ["s3cret"]
    assert masker.add("s3cret") == []


def test_add_ignores_blank_secrets() -> None:
    masker = Masker()
    assert masker.add("") == []
    assert masker.add("  \n\t") == []
    assert masker.redact("  \n\t text") == "  \n\t text"


def test_multi_line_secret_registers_each_line() -> None:
    masker = Masker()
    secret = "-----BEGIN KEY-----\nAAAA\n\nBBBB\n-----END KEY-----"
    lines = ["-----BEGIN KEY-----", "AAAA", "BBBB", "-----END KEY-----"]
    assert masker.add(secret) == [secret, *lines]
    assert masker.add("AAAA") == []
    assert masker.redact(f"key: {secret}") == "key: ***"
    assert masker.redact("line AAAA, then BBBB") == "line ***, then ***"


def test_redact_replaces_every_occurrence() -> None:
    masker = Masker()
    masker.add("tok")
    assert masker.redact("tok and tok again: tokens") == "*** and *** again: ***ens"
    assert masker.redact("nothing here") == "nothing here"


def test_longer_secret_is_fully_hidden_when_it_contains_a_shorter_one() -> None:
    masker = Masker()
    masker.add("abc")
    masker.add("xxabcxx")
    assert masker.redact("1 xxabcxx 2 abc") == "1 *** 2 ***"


def test_overlapping_secrets_leave_no_fragment() -> None:
    masker = Masker()
    masker.add("abcd")
    masker.add("cdef")
    assert masker.redact("[abcdef]") == "[***]"
    assert masker.redact("[cdefabcd]") == "[***]"


def test_redact_without_secrets_is_identity() -> None:
    assert Masker().redact("anything") == "anything"
