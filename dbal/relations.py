"""Reverse relations (has-many): the rows of other entities whose foreign keys point at a row.

A reverse relation exists for every `x-foreign-keys` entry aimed at an entity. Its names:

* `{child}.{field}` always (e.g. `post.thread_id` on thread): stable, whatever else is
  declared; a child of another package is `{package}.{child}.{field}`;
* a short name as well: the entry's `related_name` when it has one, else the child entity's
  name (`post`) when the child has a single key aimed at the parent; either only when
  unambiguous: no other relation of the parent claims it and it is not one of the parent's
  own foreign-key fields (which `include` follows forward). A declared `related_name` wins
  over a derived name.

Which children count is the caller's business: `reverse_relations` takes the packages to
look in (the REST API passes those installed in the tenant), so a package that is not
installed there contributes nothing. Reading them (`Entities.children`) is scoped like any
list: tenant filter, `x-acl` read level and owner rule of the child entity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from dbal.entity_model import EntityModel
from dbal.errors import DataError
from dbal.schema import SchemaManager


@dataclass(frozen=True, slots=True)
class Relation:
    """The rows of `child` whose `field` holds a parent's id."""

    name: str
    child: EntityModel
    field: str


def pointing_keys(
    schema: SchemaManager, parent: EntityModel, packages: Collection[str]
) -> list[tuple[EntityModel, str, str | None]]:
    """(child, field, related_name) of every foreign key aimed at `parent`, among the
    entities of `packages`, in a stable order."""
    found: list[tuple[EntityModel, str, str | None]] = []
    for other in sorted(schema.models(), key=lambda m: m.qualified_name):
        if other.package_id not in packages:
            continue
        for fk in other.foreign_keys:
            try:
                aimed = schema.get(fk.entity, other.package_id).model
            except DataError:
                continue  # a dangling reference of a tolerant package
            if aimed.qualified_name == parent.qualified_name:
                found.append((other, fk.field, fk.related_name))
    return found


def reverse_relations(
    schema: SchemaManager, parent: EntityModel, packages: Collection[str]
) -> dict[str, Relation]:
    """Every name of every reverse relation of `parent`, among the entities of `packages`."""
    found = pointing_keys(schema, parent, packages)
    names: dict[str, Relation] = {}
    explicit: dict[str, list[Relation]] = {}
    derived: dict[str, list[Relation]] = {}
    for child, field, related in found:
        prefix = child.name if child.package_id == parent.package_id else child.qualified_name
        canonical = f"{prefix}.{field}"
        names[canonical] = Relation(canonical, child, field)
        alias = related or child.name
        (explicit if related else derived).setdefault(alias, []).append(
            Relation(alias, child, field)
        )
    keys = Counter(child.qualified_name for child, _, _ in found)
    taken = {fk.field for fk in parent.foreign_keys}
    for group in (explicit, derived):  # a declared name wins over a derived one
        for alias, relations in group.items():
            single = relations[0]
            if group is derived and keys[single.child.qualified_name] > 1:
                continue  # which key would `note` mean?
            if len(relations) == 1 and alias not in taken and alias not in names:
                names[alias] = single
    return names
