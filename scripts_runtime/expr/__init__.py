"""The JavaScript-subset expression engine used by `{{ }}` bindings, event handlers and flows.

    compile_expression(source) -> CompiledExpression     parse once, compile to closures, cached
    evaluate(source_or_compiled, scope, ...) -> value    JavaScript semantics over JSON values
    compile_template(text) -> Template                  whole-string vs mixed `{{ }}` strings

The language: literals (numbers, strings, template strings, `true false null undefined`,
arrays, objects with spread, shorthand and computed keys, `/regex/flags`); names; `.`, `?.`,
`[]` access; calls; `new Date(...)`; unary `! - + typeof void`; `** * / % + -`; comparisons
`< <= > >= in`; `== != === !==`; `&& || ??`; `a ? b : c`; arrow functions with expression or
block bodies (`let/const/var`, `if/else`, `return`, assignment to their own variables and to
objects they created), destructured parameters; `a | filter:arg` pipes; `;`-separated
statements at the top level (event strings).

Globals: Math, Object, Array, JSON, Number, String, Boolean, Date, parseInt, parseFloat, isNaN,
isFinite, encodeURIComponent, decodeURIComponent. Methods: the usual string, array (never
mutating), number, date and regex methods. Nothing else is reachable: no Python attribute, no
`_private`/`__dunder__`/`constructor`/`prototype` name. Limits: source and literal sizes,
nesting depth, a step budget per evaluation, call depth, string and array sizes.

`evaluate(..., deterministic=True, clock=...)` makes `Date.now()`/`new Date()` read the given
clock (workflow time) and refuses `Math.random()` unless an `rng` is passed.
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
