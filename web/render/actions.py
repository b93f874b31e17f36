"""Event handlers -> the action protocol the client runtime reads.

An element with a handler gets `data-mb-action`, `data-mb-event`, `data-mb-package` and, when
the handler passes arguments, `data-mb-input` (a JSON array evaluated at render time). Handler
forms of the original data (reference section 2.7), all resolved here:

    "increment"                      action increment (a bare name)
    "{{increment}}"                  action increment when nothing named so is in scope,
                                     else whatever the value names (a passed-down handler)
    "{{() => onSelect(item)}}"       action onSelect, input [item]
    "{{(e) => set(e.target.value)}}" action set, input [{"$event": "target.value"}]
    "{{fn('x')}}"  "navigateTo('/a')" action fn / navigateTo, input ["x"] / ["/a"]
    "{{a.b}}"                        action b
    "{{cond ? sort : null}}"         the chosen branch, or no handler

Arguments that read the DOM event (the arrow's parameters, or `event`) cannot be known at
render time; they are serialised as `{"$event": "<path>"}` for the client to fill in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from scripts_runtime.expr import (
    UNDEFINED,
    ArrowFunction,
    CompiledExpression,
    EvalState,
    ExpressionError,
    JSCallable,
    Scope,
    compile_expression,
    truthy,
)
from scripts_runtime.expr import syntax as s
from scripts_runtime.expr.builtins import to_json_value
from scripts_runtime.expr.compiler import compile_node
from web.render.html import attr_escape, json_attr

PACKAGE_KEY: Final = "__package__"
_EVENT_NAME: Final = re.compile(r"^on[A-Z][A-Za-z0-9]*$")
_ACTION_NAME: Final = re.compile(r"^[A-Za-z_$][\w$.:-]{0,127}$")
EVENT_PRIORITY: Final = ("click", "submit", "change", "input")
DOM_EVENTS: Final = frozenset(
    {
        "click",
        "dblclick",
        "submit",
        "change",
        "input",
        "blur",
        "focus",
        "keydown",
        "keyup",
        "keypress",
        "mouseenter",
        "mouseleave",
        "contextmenu",
        "toggle",
        "scroll",
        "reset",
        "focusin",
        "focusout",
        "pointerdown",
        "pointerup",
    }
)


def is_event_key(key: str) -> bool:
    return _EVENT_NAME.match(key) is not None


def event_name(key: str) -> str:
    """`onClick` -> `click`, `onKeyPress` -> `keypress`, `onRunTests` -> `runtests`."""
    return key[2:].lower()


class EventRef(Mapping[str, Any]):
    """Stands for the DOM event (or a path into it) while handler arguments are evaluated."""

    __slots__ = ("path",)

    def __init__(self, path: str = "") -> None:
        self.path = path

    def __getitem__(self, key: str) -> Any:
        return EventRef(f"{self.path}.{key}" if self.path else key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


class ActionRef(JSCallable):
    """A resolved handler: action name, render-time arguments, declaring package."""

    __slots__ = ("action", "input", "name", "package")

    def __init__(self, action: str, input: list[Any] | None, package: str) -> None:
        self.action = action
        self.input = input
        self.package = package
        self.name = action

    def call(self, state: Any, args: Sequence[Any], this: Any = UNDEFINED) -> Any:
        return ActionRef(self.action, list(args), self.package)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "package": self.package}
        if self.input is not None:
            out["input"] = serialise_input(self.input)
        return out

    def __repr__(self) -> str:
        return f"ActionRef({self.action!r}, {self.input!r}, {self.package!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ActionRef) and (self.action, self.input, self.package) == (
            other.action,
            other.input,
            other.package,
        )

    def __hash__(self) -> int:
        return hash((self.action, self.package))


def serialise_input(value: Any) -> Any:
    if isinstance(value, EventRef):
        return {"$event": value.path}
    if isinstance(value, ActionRef):
        return {"$action": value.action}
    if isinstance(value, Mapping):
        return {str(k): serialise_input(v) for k, v in value.items() if v is not UNDEFINED}
    if isinstance(value, list | tuple):
        return [serialise_input(v) for v in value]
    return to_json_value(value)


def _package_of(scope: Mapping[str, Any], default: str) -> str:
    value = scope.get(PACKAGE_KEY, default)
    return value if isinstance(value, str) else default


def _callee_name(node: s.Node) -> str | None:
    if isinstance(node, s.Identifier):
        return node.name
    if isinstance(node, s.Member) and not node.computed and isinstance(node.prop, s.Literal):
        return str(node.prop.value)
    if isinstance(node, s.OptionalChain):
        return _callee_name(node.expr)
    return None


class HandlerResolver:
    """Resolves one handler value in one scope; never raises for bad input (returns None)."""

    def __init__(self, package_id: str, state: EvalState) -> None:
        self.package_id = package_id
        self.state = state

    def from_raw(self, raw: Any, scope: Mapping[str, Any]) -> ActionRef | None:
        if isinstance(raw, ActionRef):
            return raw
        if isinstance(raw, ArrowFunction):
            return self.from_arrow(raw)
        if not isinstance(raw, str):
            return None
        text = raw.strip()
        if not text:
            return None
        if text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1:
            try:
                compiled = compile_expression(text[2:-2])
            except ExpressionError:
                return None
            return self.from_node(compiled.node, compiled, scope)
        if "{{" in text:
            return None
        if _ACTION_NAME.match(text):
            return ActionRef(text, None, _package_of(scope, self.package_id))
        # A raw JavaScript statement from an `events` map: `navigateTo('/media/jobs')`.
        try:
            compiled = compile_expression(text)
        except ExpressionError:
            return None
        event_scope = Scope({"event": EventRef(), "e": EventRef()}, scope)
        return self.from_node(compiled.node, compiled, event_scope)

    def from_value(
        self, value: Any, name: str | None, scope: Mapping[str, Any]
    ) -> ActionRef | None:
        if isinstance(value, ActionRef):
            return value
        if isinstance(value, ArrowFunction):
            return self.from_arrow(value)
        if isinstance(value, str) and _ACTION_NAME.match(value):
            return ActionRef(value, None, _package_of(scope, self.package_id))
        if value is None or value is UNDEFINED or value is False:
            if name is not None and value is UNDEFINED:
                return ActionRef(name, None, _package_of(scope, self.package_id))
            return None
        if name is not None:
            return ActionRef(name, None, _package_of(scope, self.package_id))
        return None

    def from_arrow(self, fn: ArrowFunction) -> ActionRef | None:
        params = {name: EventRef() for name in fn.params}
        scope = Scope(params, fn.scope) if params else fn.scope
        body = fn.node.body
        if isinstance(body, s.Sequence | s.Block):
            statements = body.exprs if isinstance(body, s.Sequence) else body.body
            calls = [e for e in statements if isinstance(e, s.Call)]
            if not calls:
                return None
            body = calls[0]
        return self.from_node(body, None, scope)

    def evaluate(self, node: s.Node, scope: Mapping[str, Any]) -> Any:
        compiled = _compile_node(node)
        return compiled.evaluate(scope, state=self.state)

    def from_node(
        self, node: s.Node, compiled: CompiledExpression | None, scope: Mapping[str, Any]
    ) -> ActionRef | None:
        try:
            return self._from_node(node, scope)
        except ExpressionError:
            return None

    def _from_node(self, node: s.Node, scope: Mapping[str, Any]) -> ActionRef | None:
        if isinstance(node, s.Identifier):
            value = scope.get(node.name, UNDEFINED)
            return self.from_value(value, node.name, scope)
        if isinstance(node, s.Member | s.OptionalChain):
            value = self.evaluate(node, scope)
            return self.from_value(value, _callee_name(node), scope)
        if isinstance(node, s.Conditional):
            branch = node.then if truthy(self.evaluate(node.test, scope)) else node.otherwise
            return self._from_node(branch, scope)
        if isinstance(node, s.Logical) and node.op == "&&":
            if not truthy(self.evaluate(node.left, scope)):
                return None
            return self._from_node(node.right, scope)
        if isinstance(node, s.Arrow):
            fn = self.evaluate(node, scope)
            return self.from_arrow(fn) if isinstance(fn, ArrowFunction) else None
        if isinstance(node, s.Call):
            return self._from_call(node, scope)
        if isinstance(node, s.Sequence):
            return self._from_node(node.exprs[0], scope)
        value = self.evaluate(node, scope)
        return self.from_value(value, None, scope)

    def _from_call(self, node: s.Call, scope: Mapping[str, Any]) -> ActionRef | None:
        name = _callee_name(node.callee)
        args = [self.evaluate(arg, scope) for arg in node.args if not isinstance(arg, s.Spread)]
        target: Any = UNDEFINED
        if isinstance(node.callee, s.Identifier):
            target = scope.get(node.callee.name, UNDEFINED)
        if isinstance(target, ActionRef):
            return ActionRef(target.action, args, target.package)
        if isinstance(target, ArrowFunction):
            # A passed-down arrow called with arguments: the arrow decides the action.
            inner = self.from_arrow(target)
            return inner
        if name is None:
            return None
        return ActionRef(name, args, _package_of(scope, self.package_id))


_COMPILED: dict[int, tuple[s.Node, CompiledExpression]] = {}


def _compile_node(node: s.Node) -> CompiledExpression:
    # Sub-trees of cached expressions live as long as the expression cache; key by identity.
    found = _COMPILED.get(id(node))
    if found is not None and found[0] is node:
        return found[1]
    compiled = CompiledExpression("<handler>", node, compile_node(node, "<handler>"))
    if len(_COMPILED) > 20_000:
        _COMPILED.clear()
    _COMPILED[id(node)] = (node, compiled)
    return compiled


def dom_events(events: Sequence[tuple[str, ActionRef]]) -> list[tuple[str, ActionRef]]:
    """Custom handler names (`onSelect`, `onSend`, `onNodeSelect`...) never fire in a browser;
    on an element they mean "when activated", so the first of them becomes `click`."""
    has_click = any(name == "click" for name, _ in events)
    out: list[tuple[str, ActionRef]] = []
    for name, ref in events:
        if name not in DOM_EVENTS:
            if has_click:
                continue
            name, has_click = "click", True
        out.append((name, ref))
    return out


def action_attrs(events: Sequence[tuple[str, ActionRef]]) -> str:
    """The data-mb-* attributes for the element's handlers (first by priority is the main one)."""
    if not events:
        return ""
    ordered = sorted(
        dom_events(events),
        key=lambda pair: EVENT_PRIORITY.index(pair[0]) if pair[0] in EVENT_PRIORITY else 99,
    )
    event, ref = ordered[0]
    out = (
        f' data-mb-action="{attr_escape(ref.action)}" data-mb-event="{attr_escape(event)}"'
        f' data-mb-package="{attr_escape(ref.package)}"'
    )
    if ref.input is not None:
        out += f" data-mb-input='{_attr_json(json_attr(serialise_input(ref.input)))}'"
    if len(ordered) > 1:
        extra = {ev: r.to_json() for ev, r in ordered[1:]}
        out += f" data-mb-events='{_attr_json(json_attr(extra))}'"
    return out


def _attr_json(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("'", "&#x27;").replace("<", "&lt;").replace(">", "&gt;")
    )
