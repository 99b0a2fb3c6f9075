"""Member tokens: signed with one key, verified by key id, so a secret can be rotated without signing
everyone out, and a retired or forged key is refused."""

from __future__ import annotations

import time

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
    forged = jwt.encode({"sub": "m-1", "chapter": "c-1", "role": "president", "jti": "x", "sid": "s", "exp": 2**40,
                         "iss": "refnet"}, "attacker-secret-" + "c" * 32, algorithm="HS256",
                        headers={"kid": key_id(NEW)})
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token([NEW, OLD], forged)


def test_a_long_lived_token_from_before_sign_in_is_refused_although_its_signature_is_good() -> None:
    """Tokens of earlier versions lasted 400 days and named no session (no sign-out could reach them)."""
    legacy = jwt.encode({"sub": "m-2", "chapter": "c-1", "role": "member", "jti": "y", "exp": 2**40,
                         "iss": "refnet"}, OLD, algorithm="HS256", headers={"kid": key_id(OLD)})
    with pytest.raises(jwt.MissingRequiredClaimError, match="sid"):
        decode_token([NEW, OLD], legacy)


def test_an_access_token_is_short_lived_and_names_its_session() -> None:
    token = issue_token(NEW, member_id="m-1", chapter_id="c-1", role="member", session_id="s-1")
    claims = jwt.decode(token, NEW, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert decode_token(NEW, token).session_id == "s-1"


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": "m-1", "chapter": "c-1", "role": "president", "jti": "z", "sid": "s", "exp": 2**40,
                           "iss": "refnet"}, None, algorithm="none", headers={"kid": key_id(NEW)})
    with pytest.raises(jwt.PyJWTError):
        decode_token([NEW], unsigned)


def test_a_token_verified_before_is_still_refused_once_it_expires() -> None:
    """Verified tokens are remembered (a member's app sends the same one for minutes): its expiry is not."""
    token = issue_token(NEW, member_id="m-1", chapter_id="c-1", role="member", ttl_seconds=1)
    exp = jwt.decode(token, NEW, algorithms=["HS256"])["exp"]
    assert decode_token(NEW, token).member_id == "m-1"  # verified, and remembered
    while time.time() < exp:  # waits for the expiry itself (at most a second or two), no fixed sleep
        time.sleep(0.05)
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(NEW, token)


def test_a_remembered_token_is_refused_once_its_key_is_retired() -> None:
    token = issue_token(OLD, member_id="m-1", chapter_id="c-1", role="member")
    assert decode_token([NEW, OLD], token).member_id == "m-1"
    with pytest.raises(jwt.PyJWTError, match="not \\(or no longer\\) accepted"):
        decode_token([NEW], token)
