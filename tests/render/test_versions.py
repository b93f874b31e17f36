"""Components resolve at the tenant's installed versions (`RenderContext.versions`): two
tenants on different versions of a package, rendered by one renderer, each see their own
version's components, own and referenced from another package, and the renderer's caches
never hand one tenant's version to the other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.render.helpers import component
from web.render import RenderContext, Renderer, ResolvedComponent

CARD = {  # package -> version -> its Card component
    "shop": {
        "1.0.0": component({"type": "span", "children": "shop card 1"}, id="card", name="Card"),
        "2.0.0": component({"type": "span", "children": "shop card 2"}, id="card", name="Card"),
    },
    "kit": {
        "1.0.0": component({"type": "em", "children": "kit badge 1"}, id="badge", name="Badge"),
        "2.0.0": component({"type": "em", "children": "kit badge 2"}, id="badge", name="Badge"),
    },
}
NEWEST = "2.0.0"


def resolve(package_id: str, ref: str, version: str | None) -> ResolvedComponent | None:
    found = CARD.get(package_id, {}).get(version or NEWEST)
    if found is not None and ref in (found["id"], found["name"]):
        return ResolvedComponent(package_id, found)
    return None


PAGE: Mapping[str, Any] = component(
    {"type": "div", "children": [{"type": "Card"}, {"$ref": "kit.Badge"}, {"$ref": "card"}]},
    id="page",
)


def html(renderer: Renderer, versions: Mapping[str, str]) -> str:
    context = RenderContext(tenant="t", versions=versions)
    return renderer.render("shop", PAGE, {}, context).html


def test_each_tenant_sees_the_versions_it_installed_through_one_renderer() -> None:
    renderer = Renderer(resolve=resolve)
    old = html(renderer, {"shop": "1.0.0", "kit": "1.0.0"})
    new = html(renderer, {"shop": "2.0.0", "kit": "2.0.0"})
    mixed = html(renderer, {"shop": "1.0.0", "kit": "2.0.0"})
    newest = html(renderer, {})
    assert old.count("shop card 1") == 2 and "kit badge 1" in old
    assert new.count("shop card 2") == 2 and "kit badge 2" in new
    assert mixed.count("shop card 1") == 2 and "kit badge 2" in mixed
    assert newest == new
    # cached: asking again in the other order gives the same answers
    assert html(renderer, {"shop": "1.0.0", "kit": "1.0.0"}) == old
