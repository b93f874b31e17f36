"""A tenant's media usage, as its MediaAsset rows count it: each upload's `size` plus the
`derivedSize` the MediaJob worker records (renditions, HLS, thumbnails on disk).

`derivedSize` came with media_center 1.1; on a database whose installed MediaAsset schema is
older the worker does not write it and usage is the uploads alone, until the package is
upgraded (which adds the column).
"""

from __future__ import annotations

from dbal.database import Database
from dbal.errors import NotFoundError
from dbal.scope import Scope

PACKAGE = "media_center"
ASSET = "MediaAsset"
DERIVED_SIZE = "derivedSize"


def counts_derived(db: Database) -> bool:
    """Whether the installed MediaAsset schema has `derivedSize`."""
    try:
        return DERIVED_SIZE in db.schema.get(ASSET, PACKAGE).model.fields
    except NotFoundError:
        return False


def tenant_usage(db: Database, tenant_id: str) -> int:
    """Bytes the tenant's media takes: uploads plus what was made from them."""
    metrics = {"uploads": "sum:size"}
    if counts_derived(db):
        metrics["derived"] = f"sum:{DERIVED_SIZE}"
    totals = db.entities(Scope.system(tenant_id), package=PACKAGE).aggregate(ASSET, metrics)
    row = totals[0] if totals else {}
    return sum(int(row.get(key) or 0) for key in metrics)
