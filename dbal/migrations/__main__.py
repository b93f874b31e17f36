"""`python -m dbal.migrations revision "message"`: autogenerate a core-schema revision."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from dbal.engine import make_engine
from dbal.migrations import config, upgrade


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "revision":
        print('usage: python -m dbal.migrations revision "message"', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        upgrade_to_previous = config()
        with engine.begin() as conn:
            upgrade_to_previous.attributes["connection"] = conn
            command.upgrade(upgrade_to_previous, "head")
            cfg = config()
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=argv[1], autogenerate=True)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

__all__ = ["main", "upgrade"]
