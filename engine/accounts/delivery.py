"""How a password-reset token reaches its user.

The embedded default writes it to the log (an operator hands it over); a deployment with mail
configured passes a delivery that calls the email activity. Tests use `Collected`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

log = logging.getLogger("metabuilder.auth")


class ResetDelivery(Protocol):
    def send(
        self, *, user: dict[str, Any], tenant: dict[str, Any], token: str, expires_at: datetime
    ) -> None: ...


class LogDelivery:
    def send(
        self, *, user: dict[str, Any], tenant: dict[str, Any], token: str, expires_at: datetime
    ) -> None:
        log.warning(
            "password reset for user %s in tenant %s: token %s (valid until %s)",
            user["username"],
            tenant["slug"],
            token,
            expires_at.isoformat(timespec="seconds"),
        )


class Collected:
    """Keeps the sent tokens in memory, newest last."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(
        self, *, user: dict[str, Any], tenant: dict[str, Any], token: str, expires_at: datetime
    ) -> None:
        self.sent.append({"username": user["username"], "tenant": tenant["slug"], "token": token})
