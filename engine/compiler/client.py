"""Building the browser client runtime (`web/client/*.ts`) into one minified bundle.

The web app serves `web/static/build/` at `/static/build/`, so the default output there is
`/static/build/runtime.js` with its source map beside it. This module only reads the
TypeScript files; it imports nothing from `web`.
"""

from __future__ import annotations

from pathlib import Path

from engine.compiler.binary import REPO_ROOT
from engine.compiler.esbuild import compile

CLIENT_SOURCE_DIR = REPO_ROOT / "web" / "client"
CLIENT_ENTRY = "main.ts"
DEFAULT_OUT_DIR = REPO_ROOT / "web" / "static" / "build"
RUNTIME_FILE = "runtime.js"
# Scripts loaded on demand by some pages only, built next to the runtime as `{name}.js`.
ON_DEMAND_BUNDLES = ("media-ui", "media-hls")


def build_client_runtime(
    out_dir: Path = DEFAULT_OUT_DIR, *, source_dir: Path = CLIENT_SOURCE_DIR, minify: bool = True
) -> Path:
    """Bundle `source_dir/main.ts` into `out_dir/runtime.js` + `runtime.js.map`; its path."""
    outfile = out_dir / RUNTIME_FILE
    compile(
        source_dir / CLIENT_ENTRY,
        bundle=True,
        minify=minify,
        sourcemap="external",
        outfile=outfile,
        format="iife",
    )
    return outfile


def build_on_demand_bundles(
    out_dir: Path = DEFAULT_OUT_DIR, *, source_dir: Path = CLIENT_SOURCE_DIR, minify: bool = True
) -> list[Path]:
    """Bundle each of `ON_DEMAND_BUNDLES` (`source_dir/{name}.ts`) into `out_dir/{name}.js`."""
    written = []
    for name in ON_DEMAND_BUNDLES:
        outfile = out_dir / f"{name}.js"
        compile(
            source_dir / f"{name}.ts",
            bundle=True,
            minify=minify,
            sourcemap="external",
            outfile=outfile,
            format="iife",
        )
        written.append(outfile)
    return written
