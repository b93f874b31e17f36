"""The data layer's exception tree, with the wire codes and HTTP statuses callers map to.

    DataError                      INTERNAL_ERROR        500
    ├── NotFoundError              NOT_FOUND             404
    ├── ConflictError              CONFLICT              409
    ├── UnauthorizedError          UNAUTHORIZED          401
    ├── ForbiddenError             FORBIDDEN             403
    ├── ValidationError            VALIDATION_ERROR      422  (details: [{field, error}])
    ├── RateLimitError             RATE_LIMIT_EXCEEDED   429
    ├── OperationTimeoutError             TIMEOUT               504
    ├── UnavailableError           DATABASE_ERROR        503
    ├── CapabilityError            CAPABILITY_NOT_SUPPORTED 501
    └── SchemaError                SCHEMA_ERROR          422  (an entity schema is unusable)
        └── DestructiveChangeError DESTRUCTIVE_CHANGE    409  (needs allow_destructive=True)

Codes and statuses follow the original project's `dbal/api/schema/errors.yaml`. Messages are
meant for people and never contain SQL, bound values or connection details.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict


class FieldError(TypedDict):
    field: str
    error: str


class DataError(Exception):
    code: str = "INTERNAL_ERROR"
    http_status: int = 500
    default_message: str = "Internal data error"

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON error body `{"error", "message", "details"?}` of the HTTP layer."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class NotFoundError(DataError):
    code = "NOT_FOUND"
    http_status = 404
    default_message = "Resource not found"


class ConflictError(DataError):
    code = "CONFLICT"
    http_status = 409
    default_message = "Resource conflict"


class UnauthorizedError(DataError):
    code = "UNAUTHORIZED"
    http_status = 401
    default_message = "Authentication required"


class ForbiddenError(DataError):
    code = "FORBIDDEN"
    http_status = 403
    default_message = "Access forbidden"


class ValidationError(DataError):
    code = "VALIDATION_ERROR"
    http_status = 422
    default_message = "Validation failed"

    def __init__(self, message: str | None = None, *, fields: Sequence[FieldError] = ()) -> None:
        self.fields: list[FieldError] = list(fields)
        super().__init__(message, details={"fields": self.fields} if self.fields else None)

    @classmethod
    def for_field(cls, field: str, error: str) -> ValidationError:
        return cls(f"{field}: {error}", fields=[{"field": field, "error": error}])


class RateLimitError(DataError):
    code = "RATE_LIMIT_EXCEEDED"
    http_status = 429
    default_message = "Rate limit exceeded"


class OperationTimeoutError(DataError):
    code = "TIMEOUT"
    http_status = 504
    default_message = "Operation timeout"


class UnavailableError(DataError):
    code = "DATABASE_ERROR"
    http_status = 503
    default_message = "Database unavailable"


class CapabilityError(DataError):
    code = "CAPABILITY_NOT_SUPPORTED"
    http_status = 501
    default_message = "Feature not supported"


class SchemaError(DataError):
    code = "SCHEMA_ERROR"
    http_status = 422
    default_message = "Invalid entity schema"


class DestructiveChangeError(SchemaError):
    code = "DESTRUCTIVE_CHANGE"
    http_status = 409
    default_message = "The schema change drops data; pass allow_destructive=True"


ERRORS_BY_CODE: dict[str, type[DataError]] = {
    cls.code: cls
    for cls in (
        DataError,
        NotFoundError,
        ConflictError,
        UnauthorizedError,
        ForbiddenError,
        ValidationError,
        RateLimitError,
        OperationTimeoutError,
        UnavailableError,
        CapabilityError,
        SchemaError,
        DestructiveChangeError,
    )
}
