"""JSON-script statements -> Python statements (one handler per statement type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scripts_runtime.jsonscript.emitter import Emitter, var
from scripts_runtime.jsonscript.expressions import ExpressionTranslator, literal
from scripts_runtime.jsonscript.scope import pattern_names

_DECLARATIONS = ("const_declaration", "let_declaration", "var_declaration")


@dataclass
class _Switch:
    continue_flag: str | None = None


@dataclass
class StatementTranslator(ExpressionTranslator):
    loops: list[_Switch | None] = field(default_factory=list)
    """Innermost last: None for a real loop, a `_Switch` for a translated switch."""

    def block(self, statements: Any, indent: int, pointer: str) -> Emitter:
        out = Emitter()
        if statements is not None and not isinstance(statements, list):
            self.fail(pointer, "a statement body must be a list")
            statements = []
        for index, statement in enumerate(statements or []):
            self.statement(statement, out, indent, f"{pointer}/{index}")
        if not out.lines or all(line.text.startswith("#") for line in out.lines):
            out.emit(indent, "pass", pointer)
        return out

    def statement(self, node: Any, out: Emitter, indent: int, pointer: str) -> None:
        saved = self.prelude
        self.prelude = Emitter()
        body = Emitter()
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            self.fail(pointer, "a statement must be an object with a type")
        else:
            kind = node["type"]
            if kind in _DECLARATIONS:
                kind = "declaration"
            handler = getattr(self, f"stmt_{kind}", None)
            if handler is not None:
                handler(node, body, indent, pointer)
            elif kind.endswith("_expression") or kind in ("literal", "identifier"):
                body.emit(indent, self.expr(node, pointer), pointer)
            else:
                self.fail(pointer, f"unknown statement type {kind!r}")
        out.extend(self.prelude, indent)
        out.extend(body)
        self.prelude = saved

    # -- statements --------------------------------------------------------------------------

    def stmt_comment(self, node: dict[str, Any], out: Emitter, indent: int, pointer: str) -> None:
        text = " ".join(str(node.get("text", "")).split())
        out.emit(indent, f"# {text}" if text else "#", pointer)

    def stmt_declaration(
        self, node: dict[str, Any], out: Emitter, indent: int, pointer: str
    ) -> None:
        value = self.expr(node["value"], f"{pointer}/value") if "value" in node else "js_undefined"
        pattern = node.get("name")
        if isinstance(pattern, str):
            out.emit(indent, f"{var(pattern)} = {value}", pointer)
            return
        names = pattern_names(pattern)
        if not names or not isinstance(pattern, dict):
            self.fail(f"{pointer}/name", "a declaration needs a name or a pattern")
            return
        targets = ", ".join(var(n) for n in names) + ("," if len(names) == 1 else "")
        if pattern.get("type") == "object_pattern":
            properties = pattern.get("properties") or {}
            keys = (
                list(properties)
                if isinstance(properties, dict)
                else [str(p.get("key")) for p in properties if isinstance(p, dict)]
            )
            out.emit(
                indent, f"{targets} = js_destructure_object({value}, {literal(keys)})", pointer
            )
        else:
            elements = [str(e) for e in pattern.get("elements") or [] if e]
            rest = bool(elements) and elements[-1].startswith("...")
            count = len(elements) - (1 if rest else 0)
            out.emit(indent, f"{targets} = js_destructure_array({value}, {count}, {rest})", pointer)

    def stmt_assignment(
        self, node: dict[str, Any], out: Emitter, indent: int, pointer: str
    ) -> None:
        value = self.expr(node.get("value"), f"{pointer}/value")
        target = node.get("target")
        if isinstance(target, dict):
            if target.get("type") == "identifier" and isinstance(target.get("name"), str):
                target = target["name"]
            elif target.get("type") in ("member_access", "member_expression"):
                obj, key = self.member_parts(target, f"{pointer}/target")
                out.emit(indent, f"js_set({obj}, {key}, {value})", pointer)
                return
        if not isinstance(target, str) or not target:
            self.fail(f"{pointer}/target", "assignment target must be a name or member access")
            return
        parts = [p for p in target.removeprefix("$ref:").split(".") if p]
        if parts[0] in ("local", "local_vars", "params", "catch") and len(parts) > 1:
            parts = parts[1:]
        name, rest = parts[0], parts[1:]
        if not rest:
            self.scope.note_assignment(name)
            out.emit(indent, f"{var(name)} = {value}", pointer)
            return
        base = self.path(self.name(name, pointer), rest[:-1])
        last: int | str = int(rest[-1]) if rest[-1].isdigit() else rest[-1]
        out.emit(indent, f"js_set({base}, {literal(last)}, {value})", pointer)

    def stmt_if_statement(
        self, node: dict[str, Any], out: Emitter, indent: int, pointer: str
    ) -> None:
        condition = self.expr(node.get("condition", node.get("test")), f"{pointer}/condition")
        out.emit(indent, f"if js_truthy({condition}):", pointer)
        out.extend(
            self.block(node.get("then", node.get("consequent")), indent + 1, f"{pointer}/then")
        )
        otherwise = node.get("else", node.get("alternate"))
        if otherwise:
            out.emit(indent, "else:", f"{pointer}/else")
            out.extend(self.block(otherwise, indent + 1, f"{pointer}/else"))

    def stmt_switch_statement(
        self, node: dict[str, Any], out: Emitter, indent: int, pointer: str
    ) -> None:
        subject = self.names.fresh("switch")
        matched = self.names.fresh("matched")
        switch = _Switch()
        out.emit(
            indent,
            f"{subject} = {self.expr(node.get('discriminant'), f'{pointer}/discriminant')}",
            pointer,
        )
        out.emit(indent, f"{matched} = False", pointer)
        body = Emitter()
        self.loops.append(switch)
        for index, case in enumerate(node.get("cases") or []):
            where = f"{pointer}/cases/{index}"
            if not isinstance(case, dict):
                self.fail(where, "a case must be an object")
                continue
            if case.get("test") is None:  # a default written as a case
                body.emit(indent + 1, f"{matched} = True", where)
            else:
                saved = self.prelude
                self.prelude = Emitter()
                test = self.expr(case.get("test"), f"{where}/test")
                body.extend(self.prelude, indent + 1)
                self.prelude = saved
                body.emit(indent + 1, f"if {matched} or js_eq({subject}, {test}):", where)
                body.emit(indent + 2, f"{matched} = True", where)
                body.extend(self.block(case.get("consequent"), indent + 2, f"{where}/consequent"))
                continue
            body.extend(self.block(case.get("consequent"), indent + 1, f"{where}/consequent"))
        if node.get("default"):
            body.extend(self.block(node["default"], indent + 1, f"{pointer}/default"))
        self.loops.pop()
        if switch.continue_flag:
            out.emit(indent, f"{switch.continue_flag} = False", pointer)
        out.emit(indent, "while True:", pointer)
        out.extend(body)
        out.emit(indent + 1, "break", pointer)
        if switch.continue_flag:
            out.emit(indent, f"if {switch.continue_flag}:", pointer)
            out.emit(indent + 1, "continue", pointer)

    def stmt_for_each_loop(
        self, node: dict[str, Any], out: Emitter, indent: int, pointer: str
    ) -> None:
        iterator = node.get("iterator")
        if not isinstance(iterator, str):
            self.fail(f"{pointer}/iterator", "for_each_loop needs an iterator name")
            return
        iterable = self.expr(node.get("iterable"), f"{pointer}/iterable")
        index = node.get("indexVar")
        if isinstance(index, str):
            out.emit(
                indent,
                f"for {var(index)}, {var(iterator)} in enumerate(js_iter({iterable})):",
                pointer,
            )
        else:
            out.emit(indent, f"for {var(iterator)} in js_iter({iterable}):", pointer)
        self.loops.append(None)
        out.extend(self.block(node.get("body"), indent + 1, f"{pointer}/body"))
        self.loops.pop()

    def stmt_while_loop(
        self, node: dict[str, Any], out: Emitter, indent: int, pointer: str
    ) -> None:
        condition = self.expr(node.get("condition", node.get("test")), f"{pointer}/condition")
        if self.prelude.lines:
            self.fail(pointer, "a while condition cannot define functions")
        out.emit(indent, f"while js_truthy({condition}):", pointer)
        self.loops.append(None)
        out.extend(self.block(node.get("body"), indent + 1, f"{pointer}/body"))
        self.loops.pop()

    def stmt_try_catch(self, node: dict[str, Any], out: Emitter, indent: int, pointer: str) -> None:
        out.emit(indent, "try:", pointer)
        out.extend(self.block(node.get("try"), indent + 1, f"{pointer}/try"))
        catch = node.get("catch")
        final = node.get("finally")
        if isinstance(catch, dict) or not final:
            caught = self.names.fresh("error")
            out.emit(indent, f"except Exception as {caught}:", f"{pointer}/catch")
            param = catch.get("param") if isinstance(catch, dict) else None
            if isinstance(param, str):
                out.emit(indent + 1, f"{var(param)} = js_caught({caught})", f"{pointer}/catch")
            body = catch.get("body") if isinstance(catch, dict) else None
            out.extend(self.block(body, indent + 1, f"{pointer}/catch/body"))
        if final:
            out.emit(indent, "finally:", f"{pointer}/finally")
            out.extend(self.block(final, indent + 1, f"{pointer}/finally"))

    def stmt_return(self, node: dict[str, Any], out: Emitter, indent: int, pointer: str) -> None:
        value = self.expr(node["value"], f"{pointer}/value") if "value" in node else "js_undefined"
        out.emit(indent, f"return {value}", pointer)

    def stmt_throw(self, node: dict[str, Any], out: Emitter, indent: int, pointer: str) -> None:
        out.emit(
            indent,
            f"raise JsThrow({self.expr(node.get('argument'), f'{pointer}/argument')})",
            pointer,
        )

    def stmt_break(self, node: dict[str, Any], out: Emitter, indent: int, pointer: str) -> None:
        if node.get("label"):
            self.fail(pointer, "labelled break is not supported")
        if not self.loops:
            self.fail(pointer, "break outside a loop or switch")
        out.emit(indent, "break", pointer)

    def stmt_continue(self, node: dict[str, Any], out: Emitter, indent: int, pointer: str) -> None:
        if node.get("label"):
            self.fail(pointer, "labelled continue is not supported")
        switches = []
        for entry in reversed(self.loops):
            if entry is None:
                break
            switches.append(entry)
        else:
            self.fail(pointer, "continue outside a loop")
            return
        if not switches:
            out.emit(indent, "continue", pointer)
            return
        # Inside switch(es): leave each translated switch loop, then continue the real loop.
        for switch in switches:
            if switch.continue_flag is None:
                switch.continue_flag = self.names.fresh("resume")
            out.emit(indent, f"{switch.continue_flag} = True", pointer)
        out.emit(indent, "break", pointer)

    def stmt_expression_statement(
        self, node: dict[str, Any], out: Emitter, indent: int, pointer: str
    ) -> None:
        out.emit(indent, self.expr(node.get("expression"), f"{pointer}/expression"), pointer)

    def stmt_setState(self, node: dict[str, Any], out: Emitter, indent: int, pointer: str) -> None:
        if self.context_var is None:
            self.fail(pointer, "setState is only available in component handlers")
            return
        updates = node.get("updates")
        for key, value in (updates if isinstance(updates, dict) else {}).items():
            expression = self.expr(value, f"{pointer}/updates/{key}")
            out.emit(
                indent,
                f'js_set(js_get({self.context_var}, "state"), {literal(str(key))}, {expression})',
                pointer,
            )

    # -- functions ---------------------------------------------------------------------------

    def function_def(
        self,
        name: str,
        params: Any,
        body: Any,
        pointer: str,
        body_pointer: str,
        with_context: bool = False,
    ) -> Emitter:
        param_list = params if isinstance(params, list) else []
        param_names = self.param_names(param_list)
        scope = self.function_scope(param_list, body)
        saved_scope, saved_loops, saved_prelude = self.scope, self.loops, self.prelude
        self.scope, self.loops, self.prelude = scope, [], Emitter()
        inner = self.block(body, 1, body_pointer)
        defaults = Emitter()
        signature: list[str] = [self.context_var] if with_context and self.context_var else []
        rest_name: str | None = None
        for index, param in enumerate(param_list):
            where = f"{pointer}/params/{index}"
            spec = param if isinstance(param, dict) else {"name": param}
            pname = str(spec.get("name", "")).removeprefix("...")
            if spec.get("rest") or str(spec.get("name", "")).startswith("..."):
                rest_name = pname
                continue
            signature.append(f"{var(pname)}=js_undefined")
            if "default" in spec:
                self.prelude = Emitter()
                default = self.expr(spec["default"], f"{where}/default")
                defaults.extend(self.prelude, 1)
                defaults.emit(1, f"if {var(pname)} is js_undefined:", where)
                defaults.emit(2, f"{var(pname)} = {default}", where)
        extra = self.names.fresh("more")
        signature.append(f"*{extra}")
        self.scope, self.loops, self.prelude = saved_scope, saved_loops, saved_prelude
        out = Emitter()
        out.emit(0, f"def {name}({', '.join(signature)}):", pointer)
        if scope.nonlocals:
            out.emit(1, "nonlocal " + ", ".join(sorted(var(n) for n in scope.nonlocals)), pointer)
        if rest_name is not None:
            out.emit(1, f"{var(rest_name)} = list({extra})", pointer)
        out.extend(defaults)
        locals_ = sorted(scope.declared - set(param_names) - scope.nonlocals)
        for local in locals_:
            out.emit(1, f"{var(local)} = js_undefined", pointer)
        out.extend(inner)
        out.emit(1, "return js_undefined", pointer)
        return out
