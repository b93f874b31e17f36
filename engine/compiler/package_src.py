"""Compiling a package's `src/` folder for the package installer.

Every script directly inside `src/` (`.ts`, `.tsx`, `.js`, `.jsx`, `.mts`, `.mjs`, except
`.d.ts` declarations and `*.test.*` files) is an entry point; files in sub-folders are
modules that entries import, bundled into them. Each entry becomes `out_dir/<name>.js`, an
ES module (pages load it with `<script type="module">`), minified, with `<name>.js.map` beside
it and linked from it. Bare imports (npm packages) fail to resolve: a package ships its own
code. JSX compiles to `React.createElement` calls unless a file's `/** @jsx h */` pragma says
otherwise. Files from an earlier compile are not removed: give each package version its own
`out_dir`.
"""

from __future__ import annotations

from pathlib import Path

from engine.compiler.esbuild import DEFAULT_TARGET, LOADERS, run_esbuild


def package_entry_points(src_dir: Path) -> list[Path]:
    """The entry points of a `src/` folder, sorted by name."""
    return sorted(
        path
        for path in src_dir.iterdir()
        if path.is_file()
        and path.suffix.lower() in LOADERS
        and not path.name.endswith(".d.ts")
        and ".test." not in path.name
        and ".spec." not in path.name
    )


def compile_package_src(src_dir: Path, out_dir: Path) -> list[Path]:
    """Compile `src_dir` into `out_dir` in one esbuild run; the JavaScript files written.

    Raises `CompileError` listing every diagnostic (with absolute file paths) on failure.
    """
    src_dir = src_dir.resolve()
    entries = package_entry_points(src_dir)
    if not entries:
        return []
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    run_esbuild(
        [
            *(str(entry) for entry in entries),
            "--bundle",
            "--format=esm",
            "--minify",
            "--sourcemap=linked",
            f"--target={DEFAULT_TARGET}",
            "--platform=browser",
            f"--outbase={src_dir}",
            f"--outdir={out_dir}",
        ],
        work_dir=src_dir,
    )
    return [out_dir / f"{entry.stem}.js" for entry in entries]
