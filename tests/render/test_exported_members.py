"""The public surfaces are deliberate: adding an export means changing these lists."""

from __future__ import annotations

import scripts_runtime.expr
import web.render


def test_expression_engine_exports() -> None:
    assert sorted(scripts_runtime.expr.__all__) == sorted(
        name
        for name in dir(scripts_runtime.expr)
        if not name.startswith("_") and name in scripts_runtime.expr.__all__
    )
    for name in (
        "compile_expression",
        "evaluate",
        "ExpressionError",
        "UNDEFINED",
        "compile_template",
    ):
        assert name in scripts_runtime.expr.__all__


def test_renderer_exports() -> None:
    assert sorted(web.render.__all__) == [
        "ActionRef",
        "FailedExpression",
        "Placeholder",
        "RenderContext",
        "RenderResult",
        "Renderer",
        "ResolvedComponent",
        "Resolver",
        "UserInfo",
    ]
    for name in web.render.__all__:
        assert hasattr(web.render, name)
