"""Finding the esbuild binary.

The binary comes from the npm registry, pinned in `tools/esbuild/package.json` and installed
by `npm ci --prefix tools/esbuild` (the setup command runs it). npm skips esbuild's
postinstall script, which would copy the native binary over the Node launcher in
`node_modules/esbuild/bin/esbuild`; the native binary itself sits in the platform package
(`node_modules/@esbuild/linux-x64/bin/esbuild`) and needs no Node at run time, so that is
what we run.

Lookup order: the `METABUILDER_ESBUILD` environment variable (an explicit path); the platform
package under `tools/esbuild/node_modules`, then under a `node_modules` in the repository root;
`node_modules/esbuild/bin/esbuild` in either when a postinstall made it the native binary; then
`esbuild` on `PATH`. Each candidate must answer `--version`. A Python script named `esbuild`
is skipped: the PyPI package of that name is a launcher that downloads an old esbuild with TLS
verification off.
"""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.compiler.errors import EsbuildNotFoundError

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS_DIR = REPO_ROOT / "tools" / "esbuild"
ENV_VAR = "METABUILDER_ESBUILD"
INSTALL_HINT = (
    "esbuild is not installed: run `npm ci --prefix tools/esbuild` in the repository root, "
    f"or set {ENV_VAR} to the path of an esbuild binary"
)

_MACHINES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True, slots=True)
class EsbuildBinary:
    path: Path
    version: str


@functools.cache
def find_esbuild() -> EsbuildBinary:
    """The esbuild binary to run, checked once per process by running `--version`.

    A failure is not cached: installing esbuild fixes the next call.
    """
    tried: list[str] = []
    for path in candidate_paths():
        if not path.is_file():
            tried.append(f"{path} (missing)")
            continue
        if _is_python(path):
            tried.append(f"{path} (a Python launcher, not esbuild)")
            continue
        version = _version(path)
        if version is None:
            tried.append(f"{path} (does not run)")
            continue
        return EsbuildBinary(path=path, version=version)
    raise EsbuildNotFoundError(f"{INSTALL_HINT}. Looked at: {'; '.join(tried)}")


def platform_package() -> str:
    """The npm package holding the native binary for this machine, e.g. `linux-x64`."""
    machine = platform.machine().lower()
    system = {"win32": "win32", "darwin": "darwin"}.get(sys.platform, sys.platform)
    if system.startswith("linux"):
        system = "linux"
    return f"{system}-{_MACHINES.get(machine, machine)}"


def candidate_paths(tools_dir: Path | None = None) -> list[Path]:
    """Where to look, in order of preference."""
    roots = [TOOLS_DIR if tools_dir is None else tools_dir, REPO_ROOT]
    candidates: list[Path] = []
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        candidates.append(Path(explicit))
    windows = sys.platform == "win32"
    for root in roots:
        package = root / "node_modules" / "@esbuild" / platform_package()
        candidates.append(package / ("esbuild.exe" if windows else "bin/esbuild"))
    for root in roots:
        launcher = root / "node_modules" / "esbuild" / "bin" / "esbuild"
        if launcher.is_file() and not _is_script(launcher):
            candidates.append(launcher)
    on_path = shutil.which("esbuild.exe" if windows else "esbuild")
    if on_path:
        candidates.append(Path(on_path))
    return candidates


def _first_line(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.readline(200)
    except OSError:
        return b""


def _is_script(path: Path) -> bool:
    return _first_line(path).startswith(b"#!")


def _is_python(path: Path) -> bool:
    line = _first_line(path)
    return line.startswith(b"#!") and b"python" in line


def _version(path: Path) -> str | None:
    try:
        completed = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = completed.stdout.strip()
    return version if completed.returncode == 0 and version else None
