"""`python -m engine.compiler build-client OUT_DIR` (the setup command runs it) and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.compiler.binary import find_esbuild
from engine.compiler.client import (
    DEFAULT_OUT_DIR,
    build_client_runtime,
    build_on_demand_bundles,
)
from engine.compiler.errors import CompileError, CompilerError
from engine.compiler.package_src import compile_package_src


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.compiler")
    commands = parser.add_subparsers(dest="command", required=True)
    client = commands.add_parser(
        "build-client", help="bundle web/client into runtime.js and the on-demand scripts"
    )
    client.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT_DIR)
    client.add_argument("--no-minify", action="store_true")
    package = commands.add_parser("build-src", help="compile a package's src/ folder")
    package.add_argument("src_dir", type=Path)
    package.add_argument("out_dir", type=Path)
    commands.add_parser("version", help="print the esbuild binary in use and its version")
    args = parser.parse_args(argv)

    try:
        if args.command == "build-client":
            minify = not args.no_minify
            written = [
                build_client_runtime(args.out_dir, minify=minify),
                *build_on_demand_bundles(args.out_dir, minify=minify),
            ]
        elif args.command == "build-src":
            written = compile_package_src(args.src_dir, args.out_dir)
        else:
            binary = find_esbuild()
            print(f"esbuild {binary.version} at {binary.path}")
            return 0
    except CompileError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        return 1
    except CompilerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
