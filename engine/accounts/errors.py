"""The auth subsystem's exception tree, with the wire code and HTTP status of each.

AccountError                  AUTH_ERROR            400
├── InvalidCredentials        INVALID_CREDENTIALS   401  (never says which part was wrong)
├── NotAuthenticated          UNAUTHORIZED          401
├── AccountLocked             ACCOUNT_LOCKED        429  (retry_after_s; same for unknown users)
├── PasswordRejected          WEAK_PASSWORD         422  (details: the policy's messages)
├── InvalidInput              VALIDATION_ERROR      422
├── PermissionDenied          FORBIDDEN             403  (level rules)
├── RegistrationClosed        REGISTRATION_CLOSED   403
├── UsernameTaken             CONFLICT              409
├── NotFound                  NOT_FOUND             404
└── InvalidToken              INVALID_TOKEN         400  (reset token unknown, used or expired)
"""

from __future__ import annotations

from typing import Any


class AccountError(Exception):
    code = "AUTH_ERROR"
    http_status = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidCredentials(AccountError):
    code = "INVALID_CREDENTIALS"
    http_status = 401

    def __init__(self, message: str = "Invalid username or password.") -> None:
        super().__init__(message)


class NotAuthenticated(AccountError):
    code = "UNAUTHORIZED"
    http_status = 401

    def __init__(self, message: str = "Authentication required.") -> None:
        super().__init__(message)


class AccountLocked(AccountError):
    code = "ACCOUNT_LOCKED"
    http_status = 429

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {retry_after_s} seconds.",
            details={"retryAfter": retry_after_s},
        )
        self.retry_after_s = retry_after_s


class PasswordRejected(AccountError):
    code = "WEAK_PASSWORD"
    http_status = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__("The password does not meet the policy: " + " ".join(problems))
        self.details = {"problems": problems}
        self.problems = problems


class InvalidInput(AccountError):
    code = "VALIDATION_ERROR"
    http_status = 422

    def __init__(self, field: str, error: str) -> None:
        super().__init__(
            f"{field}: {error}", details={"fields": [{"field": field, "error": error}]}
        )


class PermissionDenied(AccountError):
    code = "FORBIDDEN"
    http_status = 403


class RegistrationClosed(AccountError):
    code = "REGISTRATION_CLOSED"
    http_status = 403

    def __init__(self) -> None:
        super().__init__("This tenant does not allow self-registration.")


class UsernameTaken(AccountError):
    code = "CONFLICT"
    http_status = 409

    def __init__(self) -> None:
        super().__init__("That username is already taken.")


class NotFound(AccountError):
    code = "NOT_FOUND"
    http_status = 404


class InvalidToken(AccountError):
    code = "INVALID_TOKEN"
    http_status = 400

    def __init__(self) -> None:
        super().__init__("The reset token is invalid, used or expired.")
