"""Exceptions raised *inside* a script when the policy refuses something at run time.

They are ordinary exceptions a script may catch, but catching one does not grant anything:
the refused access simply did not happen. An uncaught one becomes a `ScriptError` whose code
names the refusal (see `errors.ErrorCode`).
"""

from __future__ import annotations

from scripts_runtime.ctx.output import OutputLimit

__all__ = ["AccessDenied", "ImportDenied", "OutputLimit", "RegexTimeout"]


class AccessDenied(Exception):
    """An attribute, name, item or write the policy refuses."""


class ImportDenied(ImportError):
    """`import` of a module outside the allow-list."""


class RegexTimeout(Exception):
    """One regular-expression call exceeded its time budget."""
