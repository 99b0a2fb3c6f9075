"""Sign-in links travel sealed: only services holding the signing secrets open them."""

from __future__ import annotations

import pytest

from shared.sign_in_links import UnreadableLink, open_link, seal_link

OLD, NEW = "old-" + "a" * 40, "new-" + "b" * 40
LINK = "https://refnet.example/app/sign-in#code=abc123"


def test_a_link_opens_with_the_secret_it_was_sealed_under_and_not_without() -> None:
    sealed = seal_link([NEW, OLD], LINK)
    assert LINK not in sealed.model_dump_json() and "abc123" not in sealed.model_dump_json()
    assert open_link([NEW, OLD], sealed) == LINK
    assert open_link([OLD, NEW], sealed) == LINK  # after rotation: NEW is now the previous secret
    with pytest.raises(UnreadableLink):
        open_link([OLD], sealed)


def test_a_tampered_link_does_not_open() -> None:
    sealed = seal_link([NEW], LINK)
    tampered = sealed.model_copy(update={"ciphertext": seal_link([NEW], LINK + "&evil").ciphertext})
    with pytest.raises(UnreadableLink):
        open_link([NEW], tampered)
