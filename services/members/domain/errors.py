"""What a refused command looks like; the HTTP edge maps each kind to a status code."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the chapter refused the command. Nothing is recorded."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Conflict(DomainError):
    """The command contradicts the current state (a taken category, an illegal status step): 409."""

    status_code = 409


class NotFound(DomainError):
    """No such object in this chapter, or not one the caller may know about: 404."""

    status_code = 404


class Forbidden(DomainError):
    """The caller is known but may not do this: 403."""

    status_code = 403


class InvalidField(DomainError):
    """A field's value breaks a rule (a future date, a date before the member joined): 422 naming it."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
