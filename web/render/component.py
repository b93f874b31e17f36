"""A component definition compiled once: prop defaults, initial state, handlers, template.

The scope a template sees (reference section 9):
    data, params, user, tenant            request context
    handler names, state names            handlers resolve to actions; state by bare name
    declared props with defaults          by bare name, and all of them as `props`
    state, computed                       `state.x`, `computed.x`
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scripts_runtime.expr import UNDEFINED, ExpressionError, compile_template
from web.render.actions import PACKAGE_KEY, ActionRef
from web.render.bindings import NodeFn, is_node
from web.render.nodes import TemplateCompiler
from web.render.run import RenderRun


class CompiledComponent:
    __slots__ = (
        "definition",
        "handlers",
        "id",
        "name",
        "package_id",
        "prop_defaults",
        "state_defaults",
        "template",
        "trivial_scope",
    )

    def __init__(
        self, package_id: str, definition: Mapping[str, Any], compiler: TemplateCompiler
    ) -> None:
        self.package_id = package_id
        self.definition = definition
        self.id = str(definition.get("id") or definition.get("name") or "component")
        self.name = str(definition.get("name") or self.id)
        self.prop_defaults = _prop_defaults(definition.get("props"))
        self.state_defaults = _state_defaults(definition.get("state"))
        self.handlers = _handler_names(definition)
        self.template = _compile_render(definition.get("render"), compiler)
        # No props, state or handlers of its own: a `$ref` to it can reuse the caller's scope.
        self.trivial_scope = not (self.prop_defaults or self.state_defaults or self.handlers)

    def scope(self, props: Mapping[str, Any], run: RenderRun) -> dict[str, Any]:
        scope = dict(run.base_scope)
        scope[PACKAGE_KEY] = self.package_id
        for name in self.handlers:
            scope[name] = ActionRef(name, None, self.package_id)
        merged = dict(self.prop_defaults)
        for key, value in props.items():
            if value is not UNDEFINED or key not in merged:
                merged[key] = value
        state = self._initial_state(merged, scope, run)
        for key, value in state.items():
            if key not in scope or isinstance(scope[key], ActionRef):
                scope[key] = value
        scope.update(merged)
        scope["props"] = merged
        scope["state"] = state
        scope.setdefault("computed", {})
        return scope

    def _initial_state(
        self, props: Mapping[str, Any], scope: Mapping[str, Any], run: RenderRun
    ) -> dict[str, Any]:
        if not self.state_defaults:
            return {}
        state: dict[str, Any] = {}
        local = {**scope, **props, "props": props}
        for key, value in self.state_defaults.items():
            if isinstance(value, str) and "{{" in value:
                try:
                    state[key] = compile_template(value).evaluate(local, run.eval_state)
                except ExpressionError as exc:
                    run.fail(value, exc.message)
                    state[key] = UNDEFINED
            else:
                state[key] = value
        return state


def _prop_defaults(props: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    if isinstance(props, list):
        for decl in props:
            if isinstance(decl, Mapping) and isinstance(decl.get("name"), str):
                defaults[decl["name"]] = decl.get("default", UNDEFINED)
    elif isinstance(props, Mapping):
        for name, decl in props.items():
            if isinstance(decl, Mapping):
                defaults[str(name)] = decl.get("default", UNDEFINED)
    return defaults


def _state_defaults(state: Any) -> dict[str, Any]:
    if isinstance(state, list):
        return {
            decl["name"]: decl.get("default", UNDEFINED)
            for decl in state
            if isinstance(decl, Mapping) and isinstance(decl.get("name"), str)
        }
    if isinstance(state, Mapping):
        out: dict[str, Any] = {}
        for name, value in state.items():
            if isinstance(value, Mapping) and ("default" in value or "type" in value):
                out[str(name)] = value.get("default", UNDEFINED)
            else:
                out[str(name)] = value
        return out
    return {}


def _handler_names(definition: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for key in ("handlers", "events", "scripts"):
        block = definition.get(key)
        if isinstance(block, Mapping):
            names.extend(str(name) for name in block if str(name).isidentifier())
    return names


def _compile_render(render: Any, compiler: TemplateCompiler) -> NodeFn:
    if isinstance(render, Mapping):
        if render.get("type") == "conditional" and "template" not in render:
            return compiler.conditional(
                render.get("condition"), render.get("then"), render.get("else")
            )
        template = render.get("template")
        if is_node(template) or isinstance(template, list | str):
            return compiler.children(template)
        if is_node(render):
            return compiler.node(render)
        return lambda scope, run: run.placeholder("render", "component has no render.template")
    return lambda scope, run: run.placeholder("render", "component has no render definition")
