"""Components resolve at the tenant's installed versions (`RenderContext.versions`): two
tenants on different versions of a package, rendered by one renderer, each see their own
version's components, own and referenced from another package, and the renderer's caches
never hand one tenant's version to the other."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.cli.services import resolver_for
from engine.packages import Catalog
from tests.packages.builders import write_package
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


def resolve(package_id: str, ref: str, versions: Mapping[str, str]) -> ResolvedComponent | None:
    found = CARD.get(package_id, {}).get(versions.get(package_id) or NEWEST)
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


def test_a_dependency_resolves_at_the_installed_version_in_its_range(tmp_path: Path) -> None:
    """Through the real catalog: `shop` borrows `Badge` from its dependency `kit` (^1); a
    tenant with kit 1.0.0 installed sees 1.0.0's, one without kit the newest in range."""
    for version in ("1.0.0", "1.1.0", "2.0.0"):
        badge = component({"type": "em", "children": f"kit {version}"}, id="badge", name="Badge")
        write_package(tmp_path, "kit", version=version, dirname=f"kit-{version}",
                      components=[badge])  # fmt: skip
    page = component({"type": "div", "children": [{"type": "Badge"}, {"$ref": "kit.Badge"}]},
                     id="page")  # fmt: skip
    write_package(tmp_path, "shop", package={"dependencies": {"kit": "^1.0.0"}}, components=[page])
    catalog = Catalog([tmp_path])
    renderer = Renderer(resolve=resolver_for(catalog))
    shop = catalog.get("shop")
    definition = shop.component("page")
    assert definition is not None

    def shown(versions: Mapping[str, str]) -> str:
        context = RenderContext(tenant="t", versions=versions)
        return renderer.render("shop", definition.definition, {}, context).html

    assert shown({"shop": shop.version, "kit": "1.0.0"}).count("kit 1.0.0") == 2
    assert shown({"shop": shop.version}).count("kit 1.1.0") == 2  # newest in ^1
    assert shown({"shop": shop.version, "kit": "2.0.0"}).count("kit 1.1.0") == 2  # out of range
