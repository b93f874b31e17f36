"""The JavaScript-subset expression engine used by `{{ }}` bindings, event handlers and flows.

compile_expression(source) -> CompiledExpression     parse once, compile to closures, cached
evaluate(source_or_compiled, scope, ...) -> value    JavaScript semantics over JSON values
compile_template(text) -> Template                  whole-string vs mixed `{{ }}` strings
"""

from scripts_runtime.expr.engine import CompiledExpression, compile_expression, evaluate
from scripts_runtime.expr.errors import (
    ExpressionError,
    ExpressionLimitError,
    ExpressionRuntimeError,
    ExpressionSecurityError,
    ExpressionSyntaxError,
)
from scripts_runtime.expr.runtime import (
    ArrowFunction,
    EvalState,
    NativeFunction,
    Scope,
    host_function,
)
from scripts_runtime.expr.template import Template, compile_template, has_binding, render_template
from scripts_runtime.expr.values import (
    UNDEFINED,
    JSCallable,
    display_string,
    loose_equals,
    strict_equals,
    to_number,
    to_string,
    truthy,
    typeof,
)

__all__ = [
    "UNDEFINED",
    "ArrowFunction",
    "CompiledExpression",
    "EvalState",
    "ExpressionError",
    "ExpressionLimitError",
    "ExpressionRuntimeError",
    "ExpressionSecurityError",
    "ExpressionSyntaxError",
    "JSCallable",
    "NativeFunction",
    "Scope",
    "Template",
    "compile_expression",
    "compile_template",
    "display_string",
    "evaluate",
    "has_binding",
    "host_function",
    "loose_equals",
    "render_template",
    "strict_equals",
    "to_number",
    "to_string",
    "truthy",
    "typeof",
]
