"""Member tokens: signed with one key, verified by key id, so a secret can be rotated without signing
everyone out, and a retired or forged key is refused."""

from __future__ import annotations

import jwt
import pytest

from shared.auth import decode_token, issue_token, key_id

OLD, NEW = "old-secret-" + "a" * 32, "new-secret-" + "b" * 32


def test_a_token_names_the_key_that_signed_it() -> None:
    token = issue_token([NEW, OLD], member_id="m-1", chapter_id="c-1", role="member")
    assert jwt.get_unverified_header(token)["kid"] == key_id(NEW)
    assert decode_token(NEW, token).member_id == "m-1"


def test_rotation_keeps_tokens_of_the_previous_key_until_it_is_retired() -> None:
    before = issue_token(OLD, member_id="m-1", chapter_id="c-1", role="president")
    assert decode_token([NEW, OLD], before).role == "president"  # rotated: the old key still verifies
    with pytest.raises(jwt.PyJWTError, match="not \\(or no longer\\) accepted"):
        decode_token([NEW], before)  # retired


def test_a_token_claiming_a_known_key_id_but_signed_with_another_secret_is_refused() -> None:
    forged = jwt.encode({"sub": "m-1", "chapter": "c-1", "role": "president", "jti": "x", "exp": 2**40,
                         "iss": "refnet"}, "attacker-secret-" + "c" * 32, algorithm="HS256",
                        headers={"kid": key_id(NEW)})
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token([NEW, OLD], forged)


def test_a_token_from_before_key_ids_is_verified_against_every_accepted_key() -> None:
    legacy = jwt.encode({"sub": "m-2", "chapter": "c-1", "role": "member", "jti": "y", "exp": 2**40,
                         "iss": "refnet"}, OLD, algorithm="HS256")
    assert decode_token([NEW, OLD], legacy).member_id == "m-2"
    with pytest.raises(jwt.PyJWTError):
        decode_token([NEW], legacy)


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": "m-1", "chapter": "c-1", "role": "president", "jti": "z", "exp": 2**40,
                           "iss": "refnet"}, None, algorithm="none", headers={"kid": key_id(NEW)})
    with pytest.raises(jwt.PyJWTError):
        decode_token([NEW], unsigned)
