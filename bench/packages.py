"""Package system benchmark: load the built-in catalog, install every built-in package into a
fresh tenant (one transaction, dependencies first), and load the original project's packages
tolerantly when they are present.

    .venv/bin/python bench/packages.py [--postgres ADMIN_URL] [--rounds N]

With --postgres each round runs on a fresh database `mb_bench_<hex>` created on that server
and dropped afterwards; by default each round uses a fresh SQLite file.

Prints a table, then as its last line one JSON object with the same figures;
`install_all_builtin_s` (goal < 5 s) is the median over the rounds, each on a fresh database.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# bench/ holds modules named like the project's packages (bench/dbal.py): import from the root
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))

from dbal.database import Database  # noqa: E402
from dbal.scope import Scope  # noqa: E402
from engine.config import builtin_packages_dir  # noqa: E402
from engine.packages import Catalog, load_package  # noqa: E402
from engine.packages.errors import DependencyError  # noqa: E402
from engine.packages.importer import import_original  # noqa: E402
from engine.packages.lifecycle import PackageManager  # noqa: E402
from engine.packages.resolve import resolve  # noqa: E402
from engine.packages.sinks import MemorySchedules  # noqa: E402

ORIGINAL = Path(__file__).resolve().parent.parent.parent / "shared/compat/original/jan8/packages"
GOAL_S = 5.0


def install_round(url: str, packages_dir: Path) -> tuple[float, float, int, int]:
    """(catalog load seconds, install seconds, packages, routes) on a fresh database."""
    db = Database.connect(url)
    try:
        db.upgrade()
        tenant = db.tenants.create(Scope.system(), f"bench-{uuid.uuid4().hex[:8]}", "Bench")
        started = time.perf_counter()
        catalog = Catalog([packages_dir])
        loaded = time.perf_counter() - started
        sinks = MemorySchedules()
        manager = PackageManager(db, catalog, schedules=sinks, init_scripts=sinks)
        started = time.perf_counter()
        report = manager.install_many(tenant["id"], [p.id for p in catalog.all()])
        installed = time.perf_counter() - started
        return loaded, installed, len(report.changed), len(report.routes)
    finally:
        db.close()


@contextmanager
def fresh_database(admin_url: str | None, sqlite_path: Path) -> Iterator[str]:
    if admin_url is None:
        yield f"sqlite:///{sqlite_path}"
        return
    name = f"mb_bench_{uuid.uuid4().hex}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def install_imported_originals(tmp: Path) -> tuple[float, int, int] | None:
    """Import the original packages, then install every one whose dependencies resolve into a
    fresh tenant in one transaction: (seconds, packages, routes)."""
    if not ORIGINAL.is_dir():
        return None
    out = tmp / "imported"
    import_original(ORIGINAL, out, head=ORIGINAL.parent.parent / "head" / "packages")
    catalog = Catalog([out], mode="tolerant")
    installable = []
    for package in catalog.all():
        try:
            resolve(catalog, [package])
        except DependencyError:
            continue
        installable.append(package.id)
    db = Database.connect(f"sqlite:///{tmp / 'imported.db'}")
    try:
        db.upgrade()
        tenant = db.tenants.create(Scope.system(), "imported", "Imported")
        manager = PackageManager(db, catalog)
        started = time.perf_counter()
        report = manager.install_many(tenant["id"], installable)
        return time.perf_counter() - started, len(report.changed), len(report.routes)
    finally:
        db.close()


def load_originals() -> tuple[float, int] | None:
    if not ORIGINAL.is_dir():
        return None
    started = time.perf_counter()
    count = sum(
        1
        for path in sorted(ORIGINAL.iterdir())
        if path.is_dir() and load_package(path, "tolerant").package is not None
    )
    return time.perf_counter() - started, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    packages_dir = builtin_packages_dir()
    loads, installs = [], []
    packages = routes = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            with fresh_database(args.postgres, Path(tmp) / f"bench{n}.db") as url:
                loaded, installed, packages, routes = install_round(url, packages_dir)
            loads.append(loaded)
            installs.append(installed)
        imported = install_imported_originals(Path(tmp))
    figures: dict[str, object] = {
        "bench": "packages",
        "backend": "postgresql" if args.postgres else "sqlite",
        "builtin_packages": packages,
        "routes_written": routes,
        "load_builtin_catalog_s": round(statistics.median(loads), 4),
        "install_all_builtin_s": round(statistics.median(installs), 4),
        "install_goal_s": GOAL_S,
    }
    if imported is not None:
        figures["install_imported_originals_s"] = round(imported[0], 4)
        figures["imported_packages_installed"] = imported[1]
        figures["imported_routes_written"] = imported[2]
    originals = load_originals()
    if originals is not None:
        figures["load_51_originals_tolerant_s"] = round(originals[0], 4)
        figures["originals_loaded"] = originals[1]
    width = max(len(k) for k in figures)
    print(f"{'figure':<{width}}  value")
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))
    return 0 if statistics.median(installs) < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
