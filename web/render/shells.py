"""Memoised primitive output ("shells"): the speed of a string template for most nodes.

A pure primitive's HTML depends only on its props, classes and handlers, with the children
inserted once. So the renderer calls it once per distinct (props, classes, handlers) with a
sentinel in place of the children, splits the result into a prefix and a suffix, and from then
on renders `prefix + children + suffix`. Static nodes hit one entry forever; a dynamic
`{"type": "Chip", "label": "{{row.status}}"}` hits one entry per distinct status. A node whose
props keep changing (more than MAX_ENTRIES combinations) stops caching and renders directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from web.render.element import Element
from web.render.run import RenderRun

SENTINEL: Final = "\x00mb-children\x00"
MAX_ENTRIES: Final = 64

# (prefix, suffix or None when the children are not embedded verbatim, css used)
Shell = tuple[str, "str | None", dict[str, str]]


class ShellCache:
    __slots__ = ("disabled", "entries")

    def __init__(self) -> None:
        self.entries: dict[Any, Shell] = {}
        self.disabled = False

    def build(
        self, key: Any, primitive: Callable[[Element], str], el: Element, has_children: bool
    ) -> Shell | None:
        """Render once with a sentinel for the children and remember the split.

        Returns None when the cache is full; a shell whose suffix is None means "render this
        directly" (children not embedded verbatim, or the primitive used render state).
        """
        if len(self.entries) >= MAX_ENTRIES:
            self.disabled = True
            return None
        run: RenderRun = el.run
        outer_css = run.css
        run.css = {}
        try:
            if has_children:
                el.set_children(SENTINEL)
                html = primitive(el)
                parts = html.split(SENTINEL)
                shell: Shell = (
                    (parts[0], parts[1], run.css) if len(parts) == 2 else ("", None, run.css)
                )
            else:
                el.set_children("")
                shell = (primitive(el), "", run.css)
            if not el.cacheable:
                shell = ("", None, {})
        finally:
            captured = run.css
            run.css = outer_css
            for name, css in captured.items():
                if name not in outer_css:
                    outer_css[name] = css
        self.entries[key] = shell
        return shell
