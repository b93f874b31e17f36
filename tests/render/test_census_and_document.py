"""The per-component report behind `packages render --summary`, and full-page documents."""

from __future__ import annotations

import json
from typing import Any

from tests.render.helpers import MemoryPackages, component
from web.render import Renderer
from web.render.census import render_components, totals
from web.render.document import page_html
from web.render.primitives.base import Primitive


def _boom(_el: Any) -> str:
    raise RuntimeError("primitive bug")


def test_reports_each_component_and_totals() -> None:
    packages = MemoryPackages()
    comps = [
        component({"type": "Text", "children": "{{user.name}}"}, id="a"),
        component({"type": "Mystery"}, id="b"),
        component({"type": "Boom"}, id="c"),
    ]
    packages.add("p", comps)
    primitives: dict[str, Primitive] = {"Text": lambda el: el.children(), "Boom": _boom}
    renderer = Renderer(resolve=packages.resolve, primitives=primitives)
    reports = list(render_components(renderer, "p", comps))
    lines = [json.loads(json.dumps(r.summary())) for r in reports]
    assert [line["component"] for line in lines] == ["a", "b", "c"]
    assert lines[0]["failed_expressions"][0]["expression"] == "user.name"
    assert lines[1]["placeholders"] == [
        {"type": "Mystery", "reason": "unknown component type", "in": "p/b"}
    ]
    # A failing primitive degrades to a placeholder; the page still renders.
    assert lines[2]["ok"] is True
    assert lines[2]["placeholders"] == [
        {"type": "Boom", "reason": "could not be rendered", "in": "p/c"}
    ]
    assert set(lines[0]) == {"component", "ok", "placeholders", "failed_expressions", "error"}
    assert totals(reports) == {
        "components": 3,
        "ok": 3,
        "errors": 0,
        "placeholders": 2,
        "failed_expressions": 1,
    }


def test_a_component_that_raises_is_reported_and_the_run_goes_on() -> None:
    def broken_resolver(package_id: str, ref: str, versions: Any) -> Any:
        raise RuntimeError("catalog unavailable")

    comps = [
        component({"type": "Missing"}, id="x"),
        component({"type": "Text", "children": "t"}, id="y"),
    ]
    reports = list(render_components(Renderer(resolve=broken_resolver), "p", comps))
    assert [r.ok for r in reports] == [False, False]
    assert reports[0].error == "RuntimeError: catalog unavailable"
    assert totals(reports)["errors"] == 2


def test_page_document_escapes_its_inputs_and_carries_the_nonce() -> None:
    html = page_html(
        "<main>x</main>",
        title="<T>",
        css=".a{color:red}",
        nonce="n1",
        theme="dark",
        script_src="/static/app.js",
    )
    assert html.startswith('<!doctype html><html lang="en" data-theme="dark"><head>')
    assert "<title>&lt;T&gt;</title>" in html
    assert '<style nonce="n1">.a{color:red}</style>' in html
    assert '<script src="/static/app.js" defer nonce="n1"></script>' in html
    assert "<body><main>x</main></body>" in html
    assert "<script>" not in page_html("", title="t", css="</style><script>")
