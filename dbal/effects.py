"""The effects ledger: writes that happen exactly once although activities run again.

Temporal retries an activity whose worker died after the script's write committed but before
the activity reported completion; the script then runs again from the start. Each write a
script makes inside an activity is therefore keyed by the activity execution (workflow id,
run id, activity id) and the write's sequence number within it, and the ledger row is
inserted in the same database transaction as the write itself:

    ledger = EffectLedger(db)
    row = ledger.once(EffectKey(run, 0), "db.create", scope, "forum",
                      lambda tx: tx.entities.create("post", data))

The first execution does the write and records its result; a re-execution finds the row and
returns the recorded result without writing. Both commit together or not at all, so there
is no window in between. Two attempts running at once (a timed-out attempt still alive)
collide on the ledger's primary key: the loser's transaction, its write included, rolls
back and it answers with the winner's result. A different operation at a recorded sequence
number means the script is not deterministic in its writes; that raises `EffectMismatch`.

Rows are only needed while a run can still retry; `prune` drops old ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, select

from dbal import tables
from dbal.database import Database
from dbal.engine import write_tx
from dbal.entities import Entities
from dbal.errors import ConflictError, DataError
from dbal.ids import utcnow
from dbal.kv import KeyValue
from dbal.scope import Scope

__all__ = ["EffectKey", "EffectLedger", "EffectMismatch", "EffectTx"]

T = TypeVar("T")
_fx = tables.effects


class EffectMismatch(DataError):
    code = "NONDETERMINISTIC"


@dataclass(frozen=True)
class EffectKey:
    run: str  # "{workflow id}/{run id}/{activity id}"
    seq: int


@dataclass(frozen=True)
class EffectTx:
    """The write's view of the open transaction: entities and key/value bound to it."""

    conn: Connection
    entities: Entities
    kv: KeyValue


class EffectLedger:
    def __init__(self, db: Database) -> None:
        self._db = db

    def once(
        self,
        key: EffectKey,
        op: str,
        scope: Scope,
        package: str | None,
        write: Callable[[EffectTx], T],
    ) -> T:
        """Run `write` and record its (JSON) result under `key`, or return the recorded one."""
        if scope.tenant_id is None:
            raise ValueError("effects are recorded for a tenant")
        try:
            with self._transaction(scope, package) as tx:
                found = self._recorded(tx.conn, key, op, scope.tenant_id)
                if found is not None:
                    return found[0]  # type: ignore[no-any-return]
                result = write(tx)
                tx.conn.execute(
                    _fx.insert().values(
                        run_key=key.run,
                        seq=key.seq,
                        tenant_id=scope.tenant_id,
                        op=op,
                        result=result,
                        created_at=utcnow(),
                    )
                )
                return result
        except ConflictError:
            # another attempt recorded this effect first; ours rolled back with its write
            with write_tx(self._db.engine, "effects") as conn:
                found = self._recorded(conn, key, op, scope.tenant_id)
            if found is None:
                raise  # the write itself conflicted (a unique value), not the ledger
            return found[0]  # type: ignore[no-any-return]

    def recorded(self, key: EffectKey) -> Any:
        """The recorded result of `key` (None when there is none), for tests and operators."""
        with write_tx(self._db.engine, "effects") as conn:
            row = conn.execute(
                select(_fx.c.result).where(_fx.c.run_key == key.run, _fx.c.seq == key.seq)
            ).first()
        return row[0] if row is not None else None

    def prune(self, older_than: timedelta) -> int:
        """Drop ledger rows older than `older_than` (longer than any run may still retry)."""
        with write_tx(self._db.engine, "effects prune") as conn:
            return int(
                conn.execute(delete(_fx).where(_fx.c.created_at < utcnow() - older_than)).rowcount
            )

    @staticmethod
    def _recorded(conn: Connection, key: EffectKey, op: str, tenant_id: str) -> tuple[Any] | None:
        # another tenant's record under the same key is never an answer
        row = conn.execute(
            select(_fx.c.op, _fx.c.result).where(
                _fx.c.run_key == key.run, _fx.c.seq == key.seq, _fx.c.tenant_id == tenant_id
            )
        ).first()
        if row is None:
            return None
        if row.op != op:
            raise EffectMismatch(
                f"write {key.seq} of this run was {row.op} and is now {op}: "
                "the script's writes must not depend on time or randomness"
            )
        return (row.result,)

    @contextmanager
    def _transaction(self, scope: Scope, package: str | None) -> Iterator[EffectTx]:
        with self._db.transaction(scope, package=package) as entities:
            conn = entities._conn  # the transaction's connection (same package: dbal)
            assert conn is not None
            yield EffectTx(conn, entities, KeyValue(self._db.engine, scope, conn=conn))
