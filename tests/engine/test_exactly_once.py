"""The effects ledger on SQLite and PostgreSQL: a script's writes inside a retried activity
happen once, a replay answers with the recorded results, attempts racing each other write
once, and a ledger entry never answers another tenant or another operation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from dbal import tables
from dbal.database import Database
from dbal.effects import EffectKey, EffectLedger
from dbal.scope import Scope
from scripts_runtime.sandbox import HostError
from worker.script_host import ScriptHost

NOTE: dict[str, Any] = {
    "type": "object",
    "x-entity": "note",
    "x-acl": {"create": 1, "read": 0, "update": 1, "delete": 1},
    "properties": {"text": {"type": "string", "maxLength": 20}},
    "required": ["text"],
}
RUN = "acme/notes/add/0b7e/run-1/1"


@pytest.fixture
def tenants(database: Database) -> dict[str, str]:
    database.schema.apply_entities("notes", [NOTE])
    return {
        slug: database.tenants.create(Scope.system(), slug, slug)["id"]
        for slug in ("acme", "globex")
    }


def host(db: Database, tenant: str, run: str | None = RUN) -> ScriptHost:
    return ScriptHost(db, Scope.for_user(tenant, "u1", 1), package="notes", effects_run=run)


def script(h: ScriptHost) -> list[Any]:
    """What a script body does: two writes around a read."""
    created = h("db.create", {"entity": "note", "data": {"text": "hello"}})
    count = h("kv.incr", {"key": "notes"})
    seen = h("db.count", {"entity": "note"})
    h("db.update", {"entity": "note", "id": created["id"], "data": {"text": "edited"}})
    return [created["id"], count, seen]


def note_rows(db: Database, tenant: str) -> int:
    return int(db.entities(Scope.system(tenant), package="notes").count("note"))


def ledger_rows(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.effects)).scalar_one())


def test_a_retried_attempt_replays_recorded_writes(
    database: Database, tenants: dict[str, str]
) -> None:
    acme = tenants["acme"]
    first = script(host(database, acme))
    retry = script(host(database, acme))  # the activity again: a new host, the same run
    assert retry[0] == first[0] and retry[1] == first[1] == 1
    assert note_rows(database, acme) == 1
    assert database.kv(Scope.system(acme)).get("notes") == 1
    assert ledger_rows(database) == 3  # the read is not recorded

    other_run = script(host(database, acme, run="acme/notes/add/other/run-1/1"))
    assert other_run[0] != first[0] and other_run[1] == 2
    assert note_rows(database, acme) == 2


def test_without_an_activity_writes_go_straight_through(
    database: Database, tenants: dict[str, str]
) -> None:
    acme = tenants["acme"]
    script(host(database, acme, run=None))
    script(host(database, acme, run=None))
    assert note_rows(database, acme) == 2 and ledger_rows(database) == 0


def test_a_failed_write_records_nothing_and_fails_again_on_retry(
    database: Database, tenants: dict[str, str]
) -> None:
    acme = tenants["acme"]
    for _ in range(2):
        with pytest.raises(HostError) as caught:
            host(database, acme)("db.create", {"entity": "note", "data": {"text": "x" * 50}})
        assert caught.value.code == "validation_error"
    assert note_rows(database, acme) == 0 and ledger_rows(database) == 0


def test_a_different_write_at_a_recorded_position_is_refused(
    database: Database, tenants: dict[str, str]
) -> None:
    acme = tenants["acme"]
    host(database, acme)("kv.set", {"key": "a", "value": 1})
    with pytest.raises(HostError) as caught:
        host(database, acme)("kv.incr", {"key": "a"})
    assert caught.value.code == "nondeterministic"


def test_another_tenants_record_is_never_an_answer(
    database: Database, tenants: dict[str, str]
) -> None:
    created = host(database, tenants["acme"])(
        "db.create", {"entity": "note", "data": {"text": "a"}}
    )
    with pytest.raises(HostError):
        host(database, tenants["globex"])("db.create", {"entity": "note", "data": {"text": "b"}})
    assert note_rows(database, tenants["globex"]) == 0
    assert EffectLedger(database).recorded(EffectKey(RUN, 0))["id"] == created["id"]


def test_racing_attempts_write_once(database: Database, tenants: dict[str, str]) -> None:
    acme = tenants["acme"]
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        try:
            barrier.wait()
            results.append(host(database, acme)("kv.incr", {"key": "raced"}))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    run_all(threads, lambda t: t.start())
    run_all(threads, lambda t: t.join(30))
    assert not errors and results == [1, 1, 1, 1]
    assert database.kv(Scope.system(acme)).get("raced") == 1


def run_all(threads: list[threading.Thread], step: Callable[[threading.Thread], None]) -> None:
    for thread in threads:
        step(thread)
