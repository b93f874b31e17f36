"""Guarded `str.format` / `str.format_map`.

`"{0.__class__}".format(x)` and `"{x.gi_frame}".format_map(d)` reach attributes without any
`.` in the source, so RestrictedPython cannot see them. Scripts get these replacements: every
`.attr` in a replacement field goes through the same attribute guard as `x.attr`.
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]  # the C helper string.Formatter itself uses to split field names
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

AttributeGetter = Callable[[object, str], Any]


class SafeFormatter(string.Formatter):
    def __init__(self, getattr_: AttributeGetter) -> None:
        self._getattr = getattr_

    def get_field(
        self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> tuple[Any, str]:
        first, rest = _field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            obj = self._getattr(obj, key) if is_attribute else obj[key]
        return obj, first if isinstance(first, str) else str(first)


def _field_name_split(field_name: str) -> tuple[int | str, list[tuple[bool, Any]]]:
    first, rest = _string.formatter_field_name_split(field_name)
    return first, list(rest)


def str_methods(getattr_: AttributeGetter) -> dict[str, Callable[[str], Callable[..., str]]]:
    """Factories for the guarded `format` and `format_map` bound to one string."""
    formatter = SafeFormatter(getattr_)

    def format_(template: str) -> Callable[..., str]:
        def bound(*args: Any, **kwargs: Any) -> str:
            return formatter.vformat(template, args, kwargs)

        return bound

    def format_map(template: str) -> Callable[..., str]:
        def bound(mapping: Mapping[str, Any]) -> str:
            return formatter.vformat(template, (), mapping)

        return bound

    return {"format": format_, "format_map": format_map}
