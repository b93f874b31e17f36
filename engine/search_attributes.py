"""The search attributes every MetaBuilder run carries, so operators can filter in Temporal UI.

Query examples: `MbTenant = "default"`, `MbPackage = "hello_world" AND MbKind = "action"`.
"""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

TENANT = SearchAttributeKey.for_keyword("MbTenant")
PACKAGE = SearchAttributeKey.for_keyword("MbPackage")
ACTION = SearchAttributeKey.for_keyword("MbAction")
USER = SearchAttributeKey.for_keyword("MbUser")
KIND = SearchAttributeKey.for_keyword("MbKind")

ALL_KEYS = (TENANT, PACKAGE, ACTION, USER, KIND)


def dev_server_flags() -> list[str]:
    """`--search-attribute NAME=Keyword` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL_KEYS:
        flags += ["--search-attribute", f"{key.name}=Keyword"]
    return flags


def run_attributes(
    *, tenant: str, package: str, action: str, user: str | None, kind: str
) -> TypedSearchAttributes:
    pairs = [
        SearchAttributePair(TENANT, tenant),
        SearchAttributePair(PACKAGE, package),
        SearchAttributePair(ACTION, action),
        SearchAttributePair(KIND, kind),
    ]
    if user:
        pairs.append(SearchAttributePair(USER, user))
    return TypedSearchAttributes(pairs)


async def ensure_registered(client: Client, namespace: str) -> None:
    """Register missing attributes on a cluster (the embedded server gets them as flags)."""
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for key in ALL_KEYS
        if key.name not in listed.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
