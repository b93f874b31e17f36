"""Whatever tree a package holds, rendering never raises and yields balanced HTML."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.render.helpers import render
from web.render.html import VOID_TAGS
from web.render.primitives import PRIMITIVES

TYPES = [
    *sorted(PRIMITIVES),
    "each",
    "loop",
    "map",
    "conditional",
    "Fragment",
    "ComponentRef",
    "RenderComponent",
    "Unknown",
    "{{kind}}",
]
KEYS = [
    "children",
    "label",
    "value",
    "items",
    "as",
    "render",
    "template",
    "condition",
    "then",
    "else",
    "sx",
    "className",
    "onClick",
    "onChange",
    "href",
    "src",
    "variant",
    "color",
    "size",
    "props",
    "events",
    "title",
    "options",
    "open",
    "checked",
    "name",
    "icon",
    "startIcon",
    "ref",
    "component",
    "style",
]
EXPRESSIONS = [
    "{{items}}",
    "{{item.name}}",
    "{{missing.deep}}",
    "{{flag ? 'a' : 'b'}}",
    "{{() => go(item)}}",
    "x {{n}} y",
    "{{",
    "{{)}}",
    "{{items.map(i => i * 2)}}",
    "<b>",
    "javascript:alert(1)",
]

scalars = st.one_of(
    st.sampled_from(EXPRESSIONS),
    st.text(max_size=12),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
)


def nodes() -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.builds(
                lambda t, attrs: {"type": t, **attrs},
                st.sampled_from(TYPES),
                st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
            ),
            st.dictionaries(
                st.sampled_from(["p", "color", "&:hover", "fontSize"]), inner, max_size=2
            ),
        ),
        max_leaves=12,
    )


class _Balanced(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert not tag.startswith("script")
        assert not any(name.startswith("on") for name, _ in attrs)
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()


@settings(
    max_examples=int(os.environ.get("MB_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(tree=nodes())
def test_any_tree_renders_without_raising(tree: Any) -> None:
    template = {"type": "Box", "children": [tree]}
    result = render(
        template,
        props={
            "items": [{"name": "a"}, 2],
            "flag": True,
            "n": 1,
            "kind": "Chip",
            "item": {"name": "i"},
        },
    )
    crashed = [p.node_type for p in result.placeholders if p.reason == "could not be rendered"]
    assert crashed == [], f"primitives raised: {crashed}"
    # Attribute values are always escaped text, even when a node was given as a value.
    for value in re.findall(r'="([^"]*)"', result.html) + re.findall(r"='([^']*)'", result.html):
        assert "<" not in value and ">" not in value, value
    checker = _Balanced()
    checker.feed(result.html)
    checker.close()
    assert checker.stack == []
