"""compile(): TypeScript / TSX / JS / JSX to JavaScript through the esbuild binary.

One esbuild process per call (~10 ms). Output always goes through a file so that external
source maps work for code given as a string; a caller that wants the files passes `outfile`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from engine.compiler.binary import find_esbuild
from engine.compiler.diagnostics import Diagnostic, parse_log
from engine.compiler.errors import CompileError, CompilerError

Loader = Literal["ts", "tsx", "js", "jsx"]
SourceMap = Literal["inline", "external"]
Format = Literal["iife", "esm", "cjs"]
Platform = Literal["browser", "neutral", "node"]

LOADERS: dict[str, Loader] = {
    ".ts": "ts",
    ".mts": "ts",
    ".cts": "ts",
    ".tsx": "tsx",
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".jsx": "jsx",
}
DEFAULT_TARGET = "es2020"
TIMEOUT_SECONDS = 60.0
STDIN_NAME = "<stdin>"
_INLINE_MAP = re.compile(r"//# sourceMappingURL=data:application/json;base64,([A-Za-z0-9+/=]+)\s*$")


@dataclass(frozen=True, slots=True)
class CompileResult:
    """The JavaScript, its source map (JSON text, only for `sourcemap="external"`), warnings."""

    code: str
    map: str | None = None
    warnings: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Input:
    """How esbuild reads the source: its arguments, stdin, working folder; for code given as
    a string, the file name esbuild sees (`name`), the one we report (`shown`), and whether
    esbuild runs in transform mode (stdin to stdout, used when not bundling)."""

    args: list[str]
    stdin: str | None
    work_dir: Path
    name: str | None = None
    shown: str | None = None
    transform: bool = False


def compile(
    source: str | Path,
    *,
    loader: Loader | None = None,
    minify: bool = False,
    sourcemap: SourceMap | None = None,
    bundle: bool = False,
    entry: Path | None = None,
    outfile: Path | None = None,
    target: str = DEFAULT_TARGET,
    format: Format | None = None,
    platform: Platform = "browser",
) -> CompileResult:
    """Compile `source`: a `Path` names a file, a `str` is the code itself.

    For code given as a string, `entry` is the file it stands for: its name appears in
    diagnostics and source maps, and `bundle=True` resolves relative imports from its folder.
    `loader` defaults to the file's extension, else "ts". With `bundle=True` the output is an
    IIFE unless `format` says otherwise.

    With `outfile`, the code is also written there; an external map goes to `outfile.map`
    and the code ends with a `sourceMappingURL` comment pointing to it. Without `outfile` the
    code has no such comment. Map `sources` are relative to the output's folder, or to the
    source's folder without `outfile`. Raises `CompileError` listing every diagnostic.
    """
    options = [f"--target={target}", f"--platform={platform}"]
    if minify:
        options.append("--minify")
    if bundle:
        options += ["--bundle", f"--format={format or 'iife'}"]
    elif format is not None:
        options.append(f"--format={format}")

    with tempfile.TemporaryDirectory(prefix="mb-esbuild-") as scratch_dir:
        scratch = Path(scratch_dir)
        spec = _input(source, loader=loader, entry=entry, bundle=bundle, scratch=scratch)
        try:
            if spec.transform:
                code, source_map, warnings = _transform(spec, options, sourcemap)
            else:
                code, source_map, warnings = _build(spec, options, sourcemap, outfile, scratch)
        except CompileError as exc:
            raise CompileError(_renamed(exc.diagnostics, spec)) from None
    if spec.transform and outfile is not None:
        code = _write(outfile, code, source_map)
    return CompileResult(code=code, map=source_map, warnings=_renamed(warnings, spec))


def _transform(
    spec: _Input, options: list[str], sourcemap: SourceMap | None
) -> tuple[str, str | None, list[Diagnostic]]:
    """Transform mode (stdin to stdout, no files): an external map is asked for inline and
    cut off the code, since transform mode writes a single output."""
    args = [*spec.args, *options]
    if sourcemap is not None:
        args.append("--sourcemap=inline")
    code, warnings = run_esbuild(args, stdin=spec.stdin, work_dir=spec.work_dir)
    if sourcemap != "external":
        return code, None, warnings
    match = _INLINE_MAP.search(code)
    if match is None:
        raise CompilerError("esbuild returned no source map")
    source_map = base64.b64decode(match.group(1)).decode("utf-8")
    return code[: match.start()], source_map, warnings


def _build(
    spec: _Input,
    options: list[str],
    sourcemap: SourceMap | None,
    outfile: Path | None,
    scratch: Path,
) -> tuple[str, str | None, list[Diagnostic]]:
    target_file = outfile.resolve() if outfile is not None else scratch / "out" / "out.js"
    target_file.parent.mkdir(parents=True, exist_ok=True)
    args = [*spec.args, *options, f"--outfile={target_file}"]
    if sourcemap == "inline":
        args.append("--sourcemap=inline")
    elif sourcemap == "external":
        args.append("--sourcemap=linked" if outfile is not None else "--sourcemap=external")
    _, warnings = run_esbuild(args, stdin=spec.stdin, work_dir=spec.work_dir)
    code = target_file.read_text(encoding="utf-8")
    source_map = None
    if sourcemap == "external":
        source_map = target_file.with_name(target_file.name + ".map").read_text("utf-8")
        if outfile is None:
            source_map = _rebased(source_map, target_file.parent, spec.work_dir)
    return code, source_map, warnings


def _write(outfile: Path, code: str, source_map: str | None) -> str:
    """Write transform-mode output (and its map) to `outfile`; the code as written."""
    outfile.parent.mkdir(parents=True, exist_ok=True)
    if source_map is not None:
        map_file = outfile.with_name(outfile.name + ".map")
        map_file.write_text(source_map, encoding="utf-8")
        code = f"{code}//# sourceMappingURL={map_file.name}\n"
    outfile.write_text(code, encoding="utf-8")
    return code


def run_esbuild(
    args: list[str], *, work_dir: Path, stdin: str | None = None
) -> tuple[str, list[Diagnostic]]:
    """Run esbuild with `args` in `work_dir`: its stdout and warnings; `CompileError` on errors."""
    binary = find_esbuild()
    command = [str(binary.path), *args, "--color=false", "--log-level=warning", "--log-limit=0"]
    try:
        completed = subprocess.run(
            command,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=work_dir,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CompilerError(f"esbuild did not finish within {TIMEOUT_SECONDS:.0f} s") from exc
    diagnostics = parse_log(completed.stderr, base_dir=work_dir)
    errors = [d for d in diagnostics if d.severity == "error"]
    if completed.returncode != 0:
        if not errors:
            errors = [Diagnostic(text=completed.stderr.strip() or f"exit {completed.returncode}")]
        raise CompileError(errors)
    return completed.stdout, [d for d in diagnostics if d.severity == "warning"]


def _input(
    source: str | Path, *, loader: Loader | None, entry: Path | None, bundle: bool, scratch: Path
) -> _Input:
    if isinstance(source, Path):
        path = source.resolve()
        args = [str(path)]
        if loader is not None:
            args.append(f"--loader:{path.suffix}={loader}")
        return _Input(args=args, stdin=None, work_dir=path.parent)
    chosen = loader or (LOADERS.get(entry.suffix.lower(), "ts") if entry is not None else "ts")
    name = entry.name if entry is not None and entry.suffix else f"input.{chosen}"
    shown = str(entry) if entry is not None else STDIN_NAME
    args = [f"--loader={chosen}", f"--sourcefile={name}"]
    if not bundle:
        return _Input(args, source, scratch, name=name, shown=shown, transform=True)
    # Build mode reads stdin and resolves its imports from the entry's folder.
    folder = entry.resolve().parent if entry is not None else scratch
    work_dir = folder if folder.is_dir() else scratch
    return _Input(args, source, work_dir, name=name, shown=shown)


def _renamed(diagnostics: list[Diagnostic], spec: _Input) -> list[Diagnostic]:
    """Diagnostics about code given as a string name its entry (or `<stdin>`)."""
    if spec.name is None or spec.shown is None:
        return diagnostics
    own = {spec.name, str((spec.work_dir / spec.name).resolve())}
    return [replace(d, file=spec.shown) if d.file in own else d for d in diagnostics]


def _rebased(source_map: str, map_dir: Path, work_dir: Path) -> str:
    """A map written to a scratch folder, with `sources` relative to the source's folder."""
    data = json.loads(source_map)
    data["sources"] = [
        os.path.relpath(os.path.normpath(map_dir / item), work_dir) for item in data["sources"]
    ]
    return json.dumps(data)
