"""`Element`: what a primitive receives — evaluated props, lazily rendered children, handlers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from scripts_runtime.expr import UNDEFINED
from web.render.actions import ActionRef, action_attrs
from web.render.html import Markup, attrs, escape, text
from web.render.run import RenderRun

# Attributes every primitive forwards to its root element as-is (after escaping).
_PASSTHROUGH: Final = ("id", "title", "role", "tabIndex", "lang", "dir", "hidden")


class Element:
    __slots__ = ("_children", "_html", "cacheable", "classes", "events", "props", "run", "type")

    def __init__(
        self,
        type_: str,
        props: dict[str, Any],
        children: Callable[[], str] | None,
        events: list[tuple[str, ActionRef]],
        classes: str,
        run: RenderRun,
    ) -> None:
        self.type = type_
        self.props = props
        self._children = children
        self._html: str | None = None
        self.events = events
        self.classes = classes
        self.run = run
        # A primitive clears this when its output depends on render state (ids, context).
        self.cacheable = True

    def get(self, name: str, default: Any = None) -> Any:
        value = self.props.get(name, default)
        return default if value is UNDEFINED else value

    def flag(self, name: str) -> bool:
        value = self.props.get(name)
        return value is True or value == "true" or (name in self.props and value == "")

    def set_children(self, html: str) -> None:
        self._html = html

    def children(self) -> str:
        if self._html is None:
            self._html = self._children() if self._children is not None else ""
        return self._html

    def content(self, *fallbacks: str) -> str:
        """Children HTML, else the first fallback prop (text or rendered node)."""
        html = self.children()
        if html:
            return html
        for name in fallbacks:
            value = self.props.get(name)
            if value is not None and value is not UNDEFINED and value != "":
                return text(value)
        return ""

    def take_event(self, event: str) -> ActionRef | None:
        for index, (name, ref) in enumerate(self.events):
            if name == event:
                del self.events[index]
                return ref
        return None

    def event_attrs(self) -> str:
        out = action_attrs(self.events)
        self.events = []
        return out

    def common(
        self,
        base_class: str,
        *,
        extra: Mapping[str, Any] | None = None,
        events: bool = True,
        own_id: bool = True,
    ) -> str:
        """class, passthrough, aria-/data- attributes and (by default) the handler attributes.

        `own_id=False` leaves the `id` off: a field wrapper whose inner control carries it.
        """
        cls = f"{base_class} {self.classes}".strip() if self.classes else base_class
        pairs: list[tuple[str, Any]] = [("class", cls or None)]
        props = self.props
        for name in _PASSTHROUGH:
            if name in props and (own_id or name != "id"):
                value = props[name]
                if (
                    isinstance(value, str | int | float) and not isinstance(value, bool)
                ) or value is True:
                    pairs.append((name.lower(), value))
        for name, value in props.items():
            if (
                name.startswith(("aria-", "data-"))
                and not name.startswith("data-mb-")
                and isinstance(value, str | int | float | bool)
            ):
                pairs.append((name, value if not isinstance(value, bool) else str(value).lower()))
        if extra:
            pairs.extend(extra.items())
        out = attrs(pairs)
        if events and self.events:
            out += self.event_attrs()
        return out


def tag(name: str, attributes: str, inner: str = "") -> str:
    return f"<{name}{attributes}>{inner}</{name}>"


__all__ = ["Element", "Markup", "escape", "tag", "text"]
