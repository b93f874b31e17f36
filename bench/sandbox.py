"""Benchmark of the script sandbox: per-call overhead through the warm pool, and the cost of
RestrictedPython's guards on CPU-bound code compared with plain Python.

    .venv/bin/python bench/sandbox.py [--calls 1000] [--rounds 7]

Prints a table, then, as its very last line, one JSON object with `call_overhead_ms_p50`
(goal <= 2 ms: a trivial script through the warm pool, measured by the caller) and
`cpu_ratio` (goal <= 2.0: the CPU time of the same loops/arithmetic/list-building
function inside the sandbox and in plain Python in this process, median of alternating
rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Mapping
from typing import Any

from scripts_runtime.sandbox import SandboxPool, ScriptRequest

TRIVIAL = "def main(ctx):\n    return ctx.input\n"

WORKLOAD = """
def work(n):
    total = 0
    evens = []
    table = {}
    for i in range(n):
        x = (i * 7 + 3) % 101
        total += x * x - i // 3
        if x % 2 == 0:
            evens.append(x)
        table[x] = i
    squares = [v * v for v in evens if v > 10]
    return total + sum(squares) + len(evens) + len(table)
"""


def _host(op: str, args: Mapping[str, Any]) -> Any:
    return None


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def measure_overhead(pool: SandboxPool, calls: int) -> list[float]:
    request = ScriptRequest(source=TRIVIAL, filename="trivial.py", input=1, tenant="bench")
    for _ in range(50):  # warm the compile cache in every child
        await pool.run(request, _host)
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        result = await pool.run(request, _host)
        samples.append((time.perf_counter() - started) * 1000.0)
        assert result.ok, result.error
    return samples


def _plain_work() -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(WORKLOAD, "workload.py", "exec"), namespace)  # noqa: S102 - our own code
    return namespace["work"]


async def cpu_rounds(
    pool: SandboxPool, n: int, rounds: int
) -> tuple[list[float], list[float], list[float]]:
    """Alternate sandboxed and plain runs and compare CPU time (not wall time, which other
    processes on the machine distort); returns sandbox and plain CPU ms and the ratios."""
    source = WORKLOAD + "\ndef main(ctx):\n    return work(ctx.input)\n"
    request = ScriptRequest(
        source=source, filename="workload.py", input=n, tenant="bench", timeout_s=60
    )
    work = _plain_work()
    for _ in range(2):  # compile in both children, warm caches
        await pool.run(request, _host)
    boxed, plain, ratios = [], [], []
    for _ in range(rounds):
        result = await pool.run(request, _host)
        assert result.ok, result.error
        started = time.process_time()
        value = work(n)
        plain_ms = (time.process_time() - started) * 1000.0
        if value != result.value:
            raise SystemExit(f"results differ: sandbox {result.value} != plain {value}")
        assert result.cpu_ms is not None
        boxed.append(result.cpu_ms)
        plain.append(plain_ms)
        ratios.append(result.cpu_ms / plain_ms)
    return boxed, plain, ratios


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--n", type=int, default=300_000)
    options = parser.parse_args()

    started = time.perf_counter()
    async with SandboxPool(size=2) as pool:
        start_ms = (time.perf_counter() - started) * 1000.0
        overhead = await measure_overhead(pool, options.calls)
        boxed, plain, ratios = await cpu_rounds(pool, options.n, options.rounds)

    p50 = statistics.median(overhead)
    ratio = statistics.median(ratios)
    rows = [
        ("pool start (zygote + 2 children)", f"{start_ms:.1f} ms"),
        (f"trivial call p50 ({options.calls} calls)", f"{p50:.3f} ms"),
        ("trivial call p95", f"{_percentile(overhead, 0.95):.3f} ms"),
        ("trivial call p99", f"{_percentile(overhead, 0.99):.3f} ms"),
        (
            f"cpu workload n={options.n}, plain Python (CPU, median)",
            f"{statistics.median(plain):.1f} ms",
        ),
        ("cpu workload in the sandbox (CPU, median)", f"{statistics.median(boxed):.1f} ms"),
        ("cpu ratio sandbox / plain (median of rounds)", f"{ratio:.2f}x"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 12}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(
        json.dumps(
            {
                "call_overhead_ms_p50": round(p50, 4),
                "call_overhead_ms_p95": round(_percentile(overhead, 0.95), 4),
                "cpu_ratio": round(ratio, 3),
                "pool_start_ms": round(start_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
