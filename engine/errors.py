"""Errors of the engine layer.

EngineError
├── ConfigError          bad settings: one line for the operator, plus a hint
├── StartupError         a service of the stack could not start (port taken, server died)
└── DispatchError        an action could not be started or answered
    ├── ActionNotFound   no such action in an installed, enabled package
    └── ActionDenied     the caller's level is below the action's minimum
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error this layer raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(EngineError):
    pass


class StartupError(EngineError):
    pass


class DispatchError(EngineError):
    pass


class ActionNotFound(DispatchError):
    pass


class ActionDenied(DispatchError):
    pass
