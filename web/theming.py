"""Per-package theme CSS (design tokens -> CSS variables), computed once per package version."""

from __future__ import annotations

from engine.packages import Package
from web.render.theme import theme_css


class ThemeCache:
    def __init__(self) -> None:
        self._css: dict[tuple[str, str], str] = {}

    def css_for(self, package: Package) -> str:
        css = self._css.get(package.key)
        if css is None:
            css = theme_css(package.tokens) if package.tokens else ""
            self._css[package.key] = css
        return css
