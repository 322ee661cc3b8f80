"""The chart key's custody: recovery codes catch typos, key check values tell keys apart, and the
keystore refuses every backend that would keep the key in plaintext (unless the test flag is set)."""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import PlaintextKeyring

from emr_desktop.config import KEYRING_SERVICE
from emr_desktop.domain.errors import (
    InvalidRecoveryKey,
    KeyMissing,
    KeyringUnavailable,
    NoKeyringBackend,
)
from emr_desktop.security.keystore import (
    INSECURE_KEYRING_ENV,
    KEY_BYTES,
    KeyStore,
    key_check_value,
    key_from_recovery_code,
    key_matches,
    new_key,
    recovery_code,
)
from tests.fakes import MemoryKeyring

B32 = string.ascii_uppercase + "234567"  # RFC 4648 alphabet: the only characters a code contains
keys = st.binary(min_size=KEY_BYTES, max_size=KEY_BYTES)


class LowPriorityKeyring(MemoryKeyring):
    """Works, but its own author ranks it below a real OS keyring (like keyrings.alt's)."""

    priority = 0.5  # type: ignore[assignment]


class Chain(ChainerBackend):
    """keyring's chaining backend over a chosen list (writes go to ``backends[0]``)."""

    backends: list[object] = []  # type: ignore[assignment]  # shadows the discovering property

    def __init__(self, *backends: object) -> None:
        super().__init__()
        self.backends = list(backends)


def _key(seed: int) -> bytes:
    return random.Random(seed).randbytes(KEY_BYTES)


def _key_whose_code_contains(letters: str) -> tuple[bytes, str]:
    for seed in range(10_000):
        code = recovery_code(_key(seed))
        if all(ch in code for ch in letters):
            return _key(seed), code
    raise AssertionError(f"no code with {letters} in 10000 keys")  # pragma: no cover


# --- recovery codes ----------------------------------------------------------------------------


@hyp_settings(max_examples=100, deadline=None)
@given(keys)
def test_recovery_code_round_trip(key: bytes) -> None:
    code = recovery_code(key)
    groups = code.split("-")
    assert len(groups) == 14 and all(len(g) == 4 for g in groups)
    assert set(code.replace("-", "")) <= set(B32)
    assert key_from_recovery_code(code) == key


def test_recovery_code_is_the_key_plus_a_checksum() -> None:
    key = new_key()
    raw = base64.b32decode(recovery_code(key).replace("-", ""))
    assert raw[:KEY_BYTES] == key and len(raw) == KEY_BYTES + 3


def test_recovery_code_refuses_a_key_of_the_wrong_size() -> None:
    with pytest.raises(ValueError):
        recovery_code(b"\x00" * 31)


@hyp_settings(max_examples=300, deadline=None)
@given(keys, st.integers(0, 55), st.sampled_from(B32))
def test_any_single_character_change_is_caught(key: bytes, position: int, replacement: str) -> None:
    chars = list(recovery_code(key).replace("-", ""))
    if chars[position] == replacement:
        replacement = B32[(B32.index(replacement) + 1) % len(B32)]
    chars[position] = replacement
    with pytest.raises(InvalidRecoveryKey, match="checksum"):
        key_from_recovery_code("".join(chars))


def test_every_single_character_change_of_one_code_is_caught() -> None:
    """Exhaustive for one key: 56 positions x 31 other characters."""
    chars = list(recovery_code(_key(7)).replace("-", ""))
    caught = 0
    for position, original in enumerate(chars):
        for replacement in B32:
            if replacement == original:
                continue
            typo = chars.copy()
            typo[position] = replacement
            with pytest.raises(InvalidRecoveryKey):
                key_from_recovery_code("".join(typo))
            caught += 1
    assert caught == 56 * 31


def test_swapped_neighbours_are_caught() -> None:
    chars = list(recovery_code(_key(11)).replace("-", ""))
    swaps = 0
    for i in range(len(chars) - 1):
        if chars[i] == chars[i + 1]:
            continue
        typo = chars.copy()
        typo[i], typo[i + 1] = typo[i + 1], typo[i]
        with pytest.raises(InvalidRecoveryKey):
            key_from_recovery_code("".join(typo))
        swaps += 1
    assert swaps > 40


def test_how_people_write_a_code_is_accepted() -> None:
    key, code = _key_whose_code_contains("OIB")
    plain = code.replace("-", "")
    variants = [
        code,
        plain,
        code.replace("-", " "),
        "  " + " ".join(code.split("-")) + "\n",
        code.lower(),
        code.replace("O", "0"),  # digit zero for the letter O
        code.replace("I", "1"),  # digit one for the letter I
        code.replace("B", "8"),
        " - ".join(plain[i:i + 7] for i in range(0, 56, 7)).lower().replace("o", "0"),
    ]
    for variant in variants:
        assert key_from_recovery_code(variant) == key, variant


@pytest.mark.parametrize("change", [lambda c: c[:-1], lambda c: c[:-5], lambda c: c + "A",
                                    lambda c: c + "-ABCD", lambda c: ""],
                         ids=["one-short", "a-group-short", "one-long", "a-group-long", "empty"])
def test_wrong_length_is_refused_with_a_clear_message(change: Callable[[str], str]) -> None:
    code = change(recovery_code(_key(3)))
    with pytest.raises(InvalidRecoveryKey) as info:
        key_from_recovery_code(code)
    count = sum(ch.isalnum() for ch in code)
    assert f"it has {count} letters and digits, 56 are expected" in info.value.message
    assert "recovery key is not valid" in info.value.message
    assert info.value.hint


def test_characters_outside_the_alphabet_are_refused() -> None:
    plain = recovery_code(_key(5)).replace("-", "")
    with pytest.raises(InvalidRecoveryKey, match="not used in recovery keys"):
        key_from_recovery_code("9" + plain[1:])


def test_the_messages_never_contain_the_key() -> None:
    key = _key(9)
    code = recovery_code(key)
    typo = ("A" if code[0] != "A" else "B") + code[1:]
    with pytest.raises(InvalidRecoveryKey) as info:
        key_from_recovery_code(typo)
    text = info.value.full_message()
    assert key.hex() not in text and code not in text and typo not in text


# --- key check values --------------------------------------------------------------------------


@hyp_settings(max_examples=100, deadline=None)
@given(keys, keys)
def test_key_check_value_distinguishes_keys(a: bytes, b: bytes) -> None:
    assert key_check_value(a) == key_check_value(a)
    assert key_matches(a, key_check_value(a))
    if a != b:
        assert key_check_value(a) != key_check_value(b)
        assert not key_matches(b, key_check_value(a))


def test_key_check_value_reveals_nothing_obvious() -> None:
    key = _key(1)
    check = key_check_value(key)
    assert len(check) == 64 and key.hex() not in check and check != key.hex()
    assert not key_matches(key, check[:-1] + ("0" if check[-1] != "0" else "1"))


# --- the keystore refuses plaintext backends --------------------------------------------------


def test_check_refuses_the_null_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(keyring.backends.null.Keyring())
    with pytest.raises(NoKeyringBackend) as info:
        KeyStore().check()
    assert "keyring.backends.null.Keyring" in info.value.message
    monkeypatch.setenv(INSECURE_KEYRING_ENV, "1")  # not even the test flag allows it
    with pytest.raises(NoKeyringBackend):
        KeyStore().check()


def test_check_refuses_no_backend_and_says_what_to_install() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(NoKeyringBackend) as info:
        KeyStore().check()
    assert "gnome-keyring" in info.value.hint and "install" in info.value.hint.lower()
    with pytest.raises(NoKeyringBackend):
        KeyStore().save_key("s1", new_key())
    with pytest.raises(NoKeyringBackend):
        KeyStore().load_key("s1", Path("chart.db"))


@pytest.mark.parametrize("flag", [None, "0", "yes", "true", ""])
def test_check_refuses_plaintext_without_the_test_flag(monkeypatch: pytest.MonkeyPatch,
                                                        flag: str | None) -> None:
    assert isinstance(keyring.get_keyring(), PlaintextKeyring)  # conftest's backend
    if flag is None:
        monkeypatch.delenv(INSECURE_KEYRING_ENV)
    else:
        monkeypatch.setenv(INSECURE_KEYRING_ENV, flag)
    with pytest.raises(NoKeyringBackend, match="keyrings.alt.file.PlaintextKeyring"):
        KeyStore().check()
    with pytest.raises(NoKeyringBackend):
        KeyStore().save_key("s1", new_key())


def test_check_allows_plaintext_only_with_the_test_flag() -> None:
    assert KeyStore().check() == "keyrings.alt.file.PlaintextKeyring"


def test_check_accepts_a_real_priority_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(INSECURE_KEYRING_ENV)
    keyring.set_keyring(MemoryKeyring())
    assert KeyStore().check().endswith("MemoryKeyring")


def test_check_refuses_a_low_priority_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(INSECURE_KEYRING_ENV)
    keyring.set_keyring(LowPriorityKeyring())
    with pytest.raises(NoKeyringBackend):
        KeyStore().check()


def test_a_chain_is_judged_by_the_backend_it_writes_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(INSECURE_KEYRING_ENV)
    keyring.set_keyring(Chain(MemoryKeyring(), PlaintextKeyring()))
    KeyStore().check()
    keyring.set_keyring(Chain(PlaintextKeyring(), MemoryKeyring()))
    with pytest.raises(NoKeyringBackend):
        KeyStore().check()
    keyring.set_keyring(Chain())
    with pytest.raises(NoKeyringBackend):
        KeyStore().check()


def test_save_load_delete_round_trip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(INSECURE_KEYRING_ENV)
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store, key = KeyStore(), new_key()
    store.save_key("abc", key)
    assert backend.entries == {(KEYRING_SERVICE, "chart-key:abc"): key.hex()}
    assert store.load_key("abc", tmp_path / "chart.db") == key
    store.delete_key("abc")
    store.delete_key("abc")  # deleting twice is fine
    with pytest.raises(KeyMissing) as info:
        store.load_key("abc", tmp_path / "chart.db")
    assert "emr-desktop recover" in info.value.hint


@pytest.mark.parametrize("value", ["not hex at all", "ab" * 31, "ab" * 33, ""])
def test_a_mangled_keyring_entry_is_a_missing_key(value: str, tmp_path: Path) -> None:
    if value:
        keyring.set_password(KEYRING_SERVICE, "chart-key:abc", value)
    with pytest.raises(KeyMissing) as info:
        KeyStore().load_key("abc", tmp_path / "chart.db")
    assert "emr-desktop recover" in info.value.full_message()


class DecliningKeyring(MemoryKeyring):
    """A secure backend that declines writes the way keyring backends do (NotImplementedError)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError


def test_a_chain_never_falls_through_to_a_plaintext_backend(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    plaintext = PlaintextKeyring()
    plaintext.file_path = str(tmp_path / "fallthrough.cfg")
    keyring.set_keyring(Chain(DecliningKeyring(), plaintext))
    with pytest.raises(KeyringUnavailable, match="declined"):
        KeyStore().save_key("s1", new_key())
    assert not (tmp_path / "fallthrough.cfg").exists()
