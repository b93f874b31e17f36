"""Each JSON-script statement type, in both dialects, translated and run."""

from __future__ import annotations

from typing import Any

import pytest

from scripts_runtime.jsonscript.translate import (
    TranslationError,
    translate_component,
    translate_script,
)
from tests.jsonscript.helpers import (
    arrow,
    assign,
    binary,
    call,
    call_expr,
    doc,
    fn,
    ident,
    let,
    lit,
    member,
    ret,
    run_source,
)


def test_destructuring_object_and_array_patterns() -> None:
    body = [
        let({"type": "object_pattern", "properties": {"name": "who", "age": "years"}}, ident("p")),
        let({"type": "array_pattern", "elements": ["first", "...others"]}, ident("xs")),
        ret(
            {
                "type": "array_literal",
                "elements": [ident("who"), ident("years"), ident("first"), ident("others")],
            }
        ),
    ]
    document = doc(fn("f", ["p", "xs"], body))
    assert call(document, "f", {"name": "Ada", "age": 36}, [1, 2, 3]) == ["Ada", 36, 1, [2, 3]]


def test_assignment_to_members_and_paths() -> None:
    body = [
        let("o", {"type": "object_literal", "properties": [{"key": "a", "value": lit({"b": 1})}]}),
        {"type": "assignment", "target": member(ident("o"), "c"), "value": lit(2)},
        assign("o.a.b", lit(5)),
        ret(ident("o")),
    ]
    assert call(doc(fn("f", [], body)), "f") == {"a": {"b": 5}, "c": 2}


SWITCH = {
    "type": "switch_statement",
    "discriminant": ident("v"),
    "cases": [
        {
            "test": lit(1),
            "consequent": [
                {
                    "type": "expression_statement",
                    "expression": call_expr(member(ident("out"), "push"), lit("one")),
                }
            ],
        },
        {
            "test": lit(2),
            "consequent": [
                {
                    "type": "expression_statement",
                    "expression": call_expr(member(ident("out"), "push"), lit("two")),
                },
                {"type": "break"},
            ],
        },
        {"test": lit(3), "consequent": [{"type": "return", "value": lit("three")}]},
    ],
    "default": [
        {
            "type": "expression_statement",
            "expression": call_expr(member(ident("out"), "push"), lit("default")),
        }
    ],
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, ["one", "two"]), (2, ["two"]), (3, "three"), (9, ["default"]), ("1", ["default"])],
)
def test_switch_falls_through_until_break(value: Any, expected: Any) -> None:
    body = [let("out", {"type": "array_literal", "elements": []}), SWITCH, ret(ident("out"))]
    assert call(doc(fn("f", ["v"], body)), "f", value) == expected


def test_continue_inside_a_switch_continues_the_loop() -> None:
    push = {
        "type": "expression_statement",
        "expression": call_expr(member(ident("out"), "push"), ident("x")),
    }
    body = [
        let("out", {"type": "array_literal", "elements": []}),
        {
            "type": "for_each_loop",
            "iterator": "x",
            "iterable": ident("xs"),
            "body": [
                {
                    "type": "switch_statement",
                    "discriminant": ident("x"),
                    "cases": [{"test": lit(2), "consequent": [{"type": "continue"}]}],
                },
                push,
            ],
        },
        ret(ident("out")),
    ]
    assert call(doc(fn("f", ["xs"], body)), "f", [1, 2, 3]) == [1, 3]


def test_for_each_with_index_and_while_with_break() -> None:
    body = [
        let("total", lit(0)),
        {
            "type": "for_each_loop",
            "iterator": "x",
            "indexVar": "i",
            "iterable": ident("xs"),
            "body": [
                assign("total", binary(ident("total"), "+", binary(ident("x"), "*", ident("i"))))
            ],
        },
        let("n", lit(0)),
        {
            "type": "while_loop",
            "condition": lit(True),
            "body": [
                assign("n", binary(ident("n"), "+", lit(1))),
                {
                    "type": "if_statement",
                    "condition": binary(ident("n"), ">=", lit(5)),
                    "then": [{"type": "break"}],
                },
            ],
        },
        ret({"type": "array_literal", "elements": [ident("total"), ident("n")]}),
    ]
    assert call(doc(fn("f", ["xs"], body)), "f", [5, 6, 7]) == [0 + 6 + 14, 5]


def test_try_catch_finally_with_thrown_values_and_runtime_errors() -> None:
    body = [
        let("log", {"type": "array_literal", "elements": []}),
        {
            "type": "try_catch",
            "try": [{"type": "throw", "argument": lit({"code": 42})}],
            "catch": {
                "param": "e",
                "body": [
                    {
                        "type": "expression_statement",
                        "expression": call_expr(
                            member(ident("log"), "push"), member(ident("e"), "code")
                        ),
                    }
                ],
            },
            "finally": [
                {
                    "type": "expression_statement",
                    "expression": call_expr(member(ident("log"), "push"), lit("finally")),
                }
            ],
        },
        {
            "type": "try_catch",
            "try": [let("x", member(ident("nothing"), "deeper"))],
            "catch": {
                "param": "e",
                "body": [
                    {
                        "type": "expression_statement",
                        "expression": call_expr(
                            member(ident("log"), "push"), member(ident("e"), "name")
                        ),
                    }
                ],
            },
        },
        ret(ident("log")),
    ]
    assert call(doc(fn("f", [], body)), "f") == [42, "finally", "TypeError"]


def test_an_uncaught_throw_is_a_runtime_error_located_in_the_json() -> None:
    document = doc(
        fn(
            "f",
            [],
            [{"type": "comment", "text": "x"}, {"type": "throw", "argument": lit("bad input")}],
        )
    )
    translation = translate_script(document)
    done = run_source(translation.source, {"function": "f"})
    assert done["error"]["code"] == "runtime_error"
    assert done["error"]["message"] == "JsThrow: bad input"
    assert translation.line_map[done["error"]["line"]] == "/functions/0/body/1"


def test_arrow_functions_close_over_and_update_outer_variables() -> None:
    add_to_sum = arrow(["x"], [assign("sum", binary(ident("sum"), "+", ident("x")))])
    body = [
        let("sum", lit(0)),
        {
            "type": "expression_statement",
            "expression": call_expr(member(ident("xs"), "forEach"), add_to_sum),
        },
        let(
            "doubled",
            call_expr(member(ident("xs"), "map"), arrow(["x"], binary(ident("x"), "*", lit(2)))),
        ),
        let(
            "big",
            call_expr(
                member(ident("doubled"), "filter"), arrow(["x"], binary(ident("x"), ">", lit(3)))
            ),
        ),
        let(
            "total",
            call_expr(
                member(ident("xs"), "reduce"),
                arrow(["a", "b"], binary(ident("a"), "+", ident("b"))),
                lit(100),
            ),
        ),
        ret(
            {
                "type": "array_literal",
                "elements": [ident("sum"), ident("doubled"), ident("big"), ident("total")],
            }
        ),
    ]
    assert call(doc(fn("f", ["xs"], body)), "f", [1, 2, 3]) == [6, [2, 4, 6], [4, 6], 106]


def test_defaults_rest_parameters_and_spread() -> None:
    clamp = fn(
        "clamp",
        [
            {"name": "v"},
            {"name": "hi", "default": 100},
            {"name": "lo", "default": binary(ident("hi"), "-", lit(200))},
        ],
        [
            {
                "type": "if_statement",
                "condition": binary(ident("v"), ">", ident("hi")),
                "then": [ret(ident("hi"))],
            },
            {
                "type": "if_statement",
                "condition": binary(ident("v"), "<", ident("lo")),
                "then": [ret(ident("lo"))],
            },
            ret(ident("v")),
        ],
    )
    gather = fn(
        "gather",
        [{"name": "first"}, {"name": "rest", "rest": True}],
        [
            ret(
                {
                    "type": "array_literal",
                    "elements": [
                        ident("first"),
                        {"type": "spread_expression", "argument": ident("rest")},
                        lit("end"),
                    ],
                }
            )
        ],
    )
    spread_call = fn(
        "spreadCall",
        [],
        [
            ret(
                call_expr(
                    ident("gather"), {"type": "spread_expression", "argument": lit([1, 2, 3])}
                )
            )
        ],
    )
    document = doc(clamp, gather, spread_call)
    assert call(document, "clamp", 150) == 100
    assert call(document, "clamp", -150) == -100
    assert call(document, "clamp", 150, 120) == 120
    assert call(document, "gather", 1, 2, 3) == [1, 2, 3, "end"]
    assert call(document, "spreadCall") == [1, 2, 3, "end"]


def test_object_spread_and_computed_keys() -> None:
    obj = {
        "type": "object_literal",
        "properties": [
            {"spread": True, "value": ident("base")},
            {"key": ident("k"), "computed": True, "value": lit(1)},
            {"key": "fixed", "value": lit(2)},
        ],
    }
    assert call(doc(fn("f", ["base", "k"], [ret(obj)])), "f", {"a": 0}, "dyn") == {
        "a": 0,
        "dyn": 1,
        "fixed": 2,
    }


def test_v21_dialect_references_typed_literals_and_templates() -> None:
    document = {
        "schema_version": "2.1.0",
        "package": "t",
        "constants": [{"name": "LIMIT", "value": 10}],
        "functions": [
            {
                "name": "describe",
                "params": [{"name": "n"}],
                "body": [
                    {
                        "type": "const_declaration",
                        "name": "capped",
                        "value": {
                            "type": "conditional_expression",
                            "test": {
                                "type": "binary_expression",
                                "left": "$ref:params.n",
                                "operator": ">",
                                "right": "$ref:constants.LIMIT",
                            },
                            "consequent": "$ref:constants.LIMIT",
                            "alternate": "$ref:params.n",
                        },
                    },
                    {
                        "type": "const_declaration",
                        "name": "flag",
                        "value": {"type": "boolean_literal", "value": True},
                    },
                    {
                        "type": "const_declaration",
                        "name": "nothing",
                        "value": {"type": "null_literal"},
                    },
                    {
                        "type": "return",
                        "value": {
                            "type": "object_literal",
                            "properties": {
                                "text": {
                                    "type": "template_literal",
                                    "template": "capped=${capped} flag=${flag}",
                                },
                                "nothing": "$ref:local.nothing",
                                "limit": {"type": "number_literal", "value": 10},
                            },
                        },
                    },
                ],
            }
        ],
    }
    assert call(document, "describe", 25) == {
        "text": "capped=10 flag=true",
        "nothing": None,
        "limit": 10,
    }


def test_main_calls_the_only_exported_function_with_a_plain_argument_list() -> None:
    document = doc(fn("double", ["x"], [ret(binary(ident("x"), "*", lit(2)))]))
    done = run_source(translate_script(document).source, [21])
    assert done["value"] == 42


def test_unknown_function_is_a_clear_runtime_error() -> None:
    document = doc(fn("a", [], [ret(lit(1))]), fn("b", [], [ret(lit(2))]))
    done = run_source(translate_script(document).source, {"function": "c"})
    assert (
        done["error"]["message"] == "LookupError: no function 'c' in this script (available: a, b)"
    )


@pytest.mark.parametrize(
    ("body", "pointer", "message"),
    [
        ([{"type": "goto"}], "/functions/0/body/0", "unknown statement type 'goto'"),
        (
            [ret({"type": "regex_literal"})],
            "/functions/0/body/0/value",
            "unknown expression type 'regex_literal'",
        ),
        (
            [ret(binary(lit(1), "<<<", lit(2)))],
            "/functions/0/body/0/value",
            "unknown binary operator '<<<'",
        ),
        (
            [{"type": "break", "label": "outer"}],
            "/functions/0/body/0",
            "labelled break is not supported",
        ),
        (
            [{"type": "setState", "updates": {}}],
            "/functions/0/body/0",
            "setState is only available in component handlers",
        ),
    ],
)
def test_untranslatable_constructs_are_reported_with_their_pointer(
    body: list[Any], pointer: str, message: str
) -> None:
    with pytest.raises(TranslationError) as caught:
        translate_script(doc(fn("f", [], body)))
    first = caught.value.issues[0]
    assert (first.pointer, first.message) == (pointer, message)


def test_an_unsupported_version_is_refused() -> None:
    with pytest.raises(TranslationError, match=r"unsupported JSON-script version '3\.0\.0'"):
        translate_script({"schemaVersion": "3.0.0", "functions": []})


def test_identifiers_cannot_reach_python_names() -> None:
    """It maps every JSON identifier to a v_ name, so `__import__` or `ctx` mean nothing."""
    body = [
        ret(
            {
                "type": "array_literal",
                "elements": [ident("__import__"), ident("ctx"), ident("main")],
            }
        )
    ]
    assert call(doc(fn("f", [], body)), "f") == [None, None, None]


def test_component_handlers_and_computed_values() -> None:
    component = {
        "props": [{"name": "start", "default": 3}],
        "state": {"count": "{{props.start}}"},
        "handlers": {
            "bump": {
                "params": ["by"],
                "body": [
                    {
                        "type": "setState",
                        "updates": {
                            "count": {
                                "type": "binary_expression",
                                "left": "{{state.count}}",
                                "operator": "+",
                                "right": "{{params.by}}",
                            }
                        },
                    }
                ],
            }
        },
        "computed": {
            "twice": {"body": [ret(call_expr("{{imports.script.double}}", "{{state.count}}"))]}
        },
    }
    script = doc(fn("double", ["x"], [ret(binary(ident("x"), "*", lit(2)))]))
    translation = translate_component(component, script)
    assert run_source(translation.source, {"computed": "twice"})["value"] == {
        "value": 6,
        "state": {"count": 3},
    }
    bumped = run_source(translation.source, {"handler": "bump", "args": [4], "props": {"start": 1}})
    assert bumped["value"] == {"state": {"count": 5}}
