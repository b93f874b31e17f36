"""The pool runs scripts in real sandbox processes and survives the ones that misbehave."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

from scripts_runtime.sandbox import SandboxPool, ScriptRequest
from tests.sandbox.conftest import RecordingHost, run_script

COUNTER = """
def main(ctx):
    count = ctx.kv.incr("counter")
    ctx.log("counter is now", count)
    return {"count": count}
"""


async def test_walking_skeleton_counter_increments_through_the_host(
    pool: SandboxPool, host: RecordingHost
) -> None:
    first = await run_script(pool, COUNTER, host, filename="counter.py")
    second = await run_script(pool, COUNTER, host, filename="counter.py")
    assert first.ok and first.value == {"count": 1}
    assert second.value == {"count": 2}
    assert [entry.message for entry in second.logs] == ["counter is now 2"]
    assert host.calls == [("kv.incr", {"key": "counter", "by": 1})] * 2


async def test_children_report_every_wall_up(pool: SandboxPool) -> None:
    assert pool.protections() == ["netns", "rlimits", "seccomp", "uid:nobody"]


async def test_a_timed_out_process_is_replaced_and_the_pool_keeps_serving(
    pool: SandboxPool,
) -> None:
    before = set(pool.child_pids)
    result = await run_script(
        pool, "def main(ctx):\n    while True:\n        pass\n", timeout_s=0.3
    )
    assert result.error is not None and result.error.code == "timeout"
    for _ in range(250):
        if len(pool.child_pids) == pool.size and set(pool.child_pids) != before:
            break
        await asyncio.sleep(0.02)
    assert len(pool.child_pids) == pool.size
    assert set(pool.child_pids) != before
    after = await run_script(pool, "def main(ctx):\n    return 'still here'\n")
    assert after.value == "still here"


async def test_concurrent_runs_use_every_process(pool: SandboxPool) -> None:
    source = "def main(ctx):\n    return ctx.input * 2\n"
    results = await asyncio.gather(*(run_script(pool, source, input=n) for n in range(10)))
    assert [r.value for r in results] == [n * 2 for n in range(10)]


async def test_host_error_is_a_clean_script_side_exception(pool: SandboxPool) -> None:
    caught = await run_script(
        pool,
        """
        def main(ctx):
            try:
                ctx.db.list("notes")
            except HostError as e:
                return [e.code, e.message]
        """,
    )
    assert caught.value == ["not_allowed", "db.list is not available in this test host"]
    uncaught = await run_script(pool, "def main(ctx):\n    return ctx.db.count('notes')\n")
    assert uncaught.error is not None
    assert (uncaught.error.code, uncaught.error.host_code, uncaught.error.line) == (
        "host_error",
        "not_allowed",
        2,
    )


async def test_a_pool_can_be_started_and_closed_on_its_own() -> None:
    pool = SandboxPool(size=1)
    await pool.start()
    try:
        result = await pool.run(
            ScriptRequest(
                source="def main(ctx):\n    return ctx.tenant.slug\n",
                filename="t.py",
                tenant="t-1",
                tenant_slug="acme",
            ),
            RecordingHost(),
        )
        assert result.value == "acme"
    finally:
        await pool.close()
    assert pool.child_pids == []


async def test_a_json_script_document_as_source_is_translated_by_the_pool(
    pool: SandboxPool,
) -> None:
    document = {
        "schemaVersion": "2.2.0",
        "package": "demo",
        "functions": [
            {
                "name": "half",
                "params": [{"name": "x"}],
                "body": [
                    {"type": "comment", "text": "JS division"},
                    {
                        "type": "return",
                        "value": {
                            "type": "binary_expression",
                            "left": {"type": "identifier", "name": "x"},
                            "operator": "/",
                            "right": {"type": "literal", "value": 2},
                        },
                    },
                ],
            },
            {"name": "boom", "body": [{"type": "throw", "argument": "bad"}]},
        ],
    }
    source = json.dumps(document)
    half = await run_script(
        pool, source, language="jsonscript", input={"function": "half", "args": [7]}
    )
    assert half.value == 3.5
    boom = await run_script(
        pool, source, filename="demo.json", language="jsonscript", input={"function": "boom"}
    )
    assert boom.error is not None
    assert (boom.error.code, boom.error.message, boom.error.location) == (
        "runtime_error",
        "JsThrow: bad",
        "/functions/1/body/0",
    )
    broken = await run_script(
        pool, '{"functions": [{"name": "f", "body": [{"type": "x"}]}]}', language="jsonscript"
    )
    assert broken.error is not None
    assert (broken.error.code, broken.error.location) == ("compile_error", "/functions/0/body/0")


async def test_input_is_validated_against_the_scripts_schema(pool: SandboxPool) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}
    result = await run_script(
        pool, "def main(ctx):\n    return 1\n", input={"n": 0}, input_schema=schema
    )
    assert result.error is not None
    assert result.error.code == "invalid_input"
    assert result.error.message == "input /n: 0 is less than the minimum of 1"


async def test_results_report_cpu_time(pool: SandboxPool) -> None:
    # CPU time may be accounted in scheduler ticks, so give it a few ticks' worth of work.
    result = await run_script(pool, "def main(ctx):\n    return sum(range(5_000_000))\n")
    assert result.cpu_ms is not None and result.cpu_ms > 0
    assert result.cpu_ms <= result.duration_ms * 1.5


LAZY_LIBRARY_CALLS = """
def main(ctx):
    import datetime, hashlib, statistics, unicodedata, uuid
    return [
        "é".encode("cp1252").hex(),
        "bücher.de".encode("idna").decode(),
        datetime.date(2024, 1, 1).strftime("%A %B"),
        datetime.datetime.strptime("2024-03-04", "%Y-%m-%d").isoformat(),
        hashlib.sha3_256(b"x").hexdigest()[:6],
        round(statistics.NormalDist().inv_cdf(0.5), 3),
        unicodedata.name("é"),
        len(str(uuid.uuid4())),
    ]
"""


async def test_library_paths_that_load_lazily_work_in_hardened_children(
    pool: SandboxPool,
) -> None:
    """Children cannot open files, so the zygote preloads what these calls import lazily."""
    result = await run_script(pool, LAZY_LIBRARY_CALLS)
    assert result.error is None
    assert result.value == [
        "e9",
        "xn--bcher-kva.de",
        "Monday January",
        "2024-03-04T00:00:00",
        "741efa",
        0.0,
        "LATIN SMALL LETTER E WITH ACUTE",
        36,
    ]


def _gone(pid: int) -> bool:
    try:
        return "zombie" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


async def test_the_pool_recovers_when_its_zygote_dies() -> None:
    async with SandboxPool(size=1) as pool:
        old_zygote, old_child = pool.zygote_pid, pool.child_pids[0]
        assert old_zygote is not None
        os.kill(old_zygote, signal.SIGKILL)
        for _ in range(250):  # the child dies with its zygote (PDEATHSIG), asynchronously
            if _gone(old_child):
                break
            await asyncio.sleep(0.02)
        outcomes = []
        for _ in range(20):
            result = await run_script(pool, "def main(ctx):\n    return 'alive'\n")
            outcomes.append(result.value if result.ok else result.error.code)  # type: ignore[union-attr]
            if result.ok:
                break
            await asyncio.sleep(0.1)
        assert outcomes[-1] == "alive"
        assert set(outcomes[:-1]) <= {"crashed"}
        assert pool.zygote_pid not in (None, old_zygote)
