"""The members fixtures (an app, its client, a chapter with members), reused by the operations tests."""

from tests.e2e.members.conftest import app, client, world  # noqa: F401
