"""Parser: tokens -> syntax tree, by precedence climbing.

Grammar (lowest to highest): sequence (`;`, top level only) > pipe `|` > arrow / conditional
`?:` > `??` `||` > `&&` > equality > relational > additive > multiplicative > `**` > unary >
call/member > primary. Nesting depth is capped so hostile input cannot exhaust the stack.
"""

from __future__ import annotations

from typing import Final

from scripts_runtime.expr import syntax as s
from scripts_runtime.expr.errors import (
    ExpressionError,
    ExpressionLimitError,
    ExpressionSecurityError,
    ExpressionSyntaxError,
)
from scripts_runtime.expr.lexer import Token, tokenize
from scripts_runtime.expr.regex import JSRegExp
from scripts_runtime.expr.values import UNDEFINED

MAX_DEPTH: Final = 48
MAX_ITEMS: Final = 5_000

_BINARY_PRECEDENCE: Final = {
    "??": 1,
    "||": 2,
    "&&": 3,
    "==": 6,
    "!=": 6,
    "===": 6,
    "!==": 6,
    "<": 7,
    ">": 7,
    "<=": 7,
    ">=": 7,
    "in": 7,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "%": 10,
    "**": 11,
}
_LOGICAL: Final = frozenset({"??", "||", "&&"})
_UNARY: Final = frozenset({"!", "-", "+", "typeof", "void"})
_KEYWORD_LITERALS: Final = {"true": True, "false": False, "null": None}
_RESERVED: Final = frozenset(
    {
        "delete",
        "if",
        "else",
        "function",
        "class",
        "this",
        "import",
        "export",
        "eval",
        "constructor",
        "prototype",
        "__proto__",
        "var",
        "let",
        "const",
        "return",
        "while",
        "for",
        "do",
        "with",
        "yield",
        "await",
        "async",
        "super",
        "throw",
        "try",
    }
)


def check_name(name: str, pos: int) -> None:
    """Names starting with `_` or reserved words are refused: no dunder or private reach."""
    if name.startswith("_"):
        raise ExpressionSecurityError(
            f"access to private name {name!r} is not allowed", position=pos
        )
    if name in ("constructor", "prototype", "__proto__"):
        raise ExpressionSecurityError(f"access to {name!r} is not allowed", position=pos)


class Parser:
    def __init__(self, source: str, *, depth: int = 0) -> None:
        self.source = source
        self.tokens: list[Token] = tokenize(source)
        self.index = 0
        self.depth = depth

    # -- token helpers -------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def at(self, value: str) -> bool:
        tok = self.tokens[self.index]
        return tok.kind in ("punct", "name") and tok.value == value

    def advance(self) -> Token:
        tok = self.tokens[self.index]
        self.index += 1
        return tok

    def expect(self, value: str) -> Token:
        if not self.at(value):
            raise self.error(f"expected {value!r}")
        return self.advance()

    def error(self, message: str) -> ExpressionSyntaxError:
        tok = self.tok
        found = "end of expression" if tok.kind == "eof" else repr(tok.value)
        return ExpressionSyntaxError(f"{message}, found {found}", position=tok.pos)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionLimitError(
                f"expression nested deeper than {MAX_DEPTH} levels", position=self.tok.pos
            )

    # -- grammar -------------------------------------------------------------------------------

    def parse_program(self) -> s.Node:
        """A whole expression; `;`-separated statements are allowed (event statement strings)."""
        first = self.parse_pipe()
        exprs = [first]
        while self.at(";"):
            self.advance()
            if self.tok.kind == "eof":
                break
            exprs.append(self.parse_pipe())
        if self.tok.kind != "eof":
            raise self.error("unexpected token")
        return exprs[0] if len(exprs) == 1 else s.Sequence(first.pos, tuple(exprs))

    def parse_pipe(self) -> s.Node:
        node = self.parse_expression()
        while self.at("|"):
            pos = self.advance().pos
            name_tok = self.advance()
            if name_tok.kind != "name":
                raise ExpressionSyntaxError("expected a filter name after '|'", position=pos)
            check_name(str(name_tok.value), name_tok.pos)
            args: list[s.Node] = []
            while self.at(":"):
                self.advance()
                args.append(self.parse_expression())
            node = s.Pipe(pos, node, str(name_tok.value), tuple(args))
        return node

    def parse_expression(self) -> s.Node:
        self.enter()
        try:
            arrow = self.try_arrow()
            if arrow is not None:
                return arrow
            node = self.parse_binary(1)
            if self.at("?"):
                pos = self.advance().pos
                then = self.parse_expression()
                self.expect(":")
                otherwise = self.parse_expression()
                node = s.Conditional(pos, node, then, otherwise)
            elif self.at("="):
                raise ExpressionSyntaxError("assignment is not allowed", position=self.tok.pos)
            return node
        finally:
            self.depth -= 1

    def try_arrow(self) -> s.Arrow | None:
        tok = self.tok
        params: list[str | s.Pattern] = []
        if tok.kind == "name" and self.peek().kind == "punct" and self.peek().value == "=>":
            params.append(str(tok.value))
            self.index += 2
        elif tok.kind == "punct" and tok.value == "(":
            scanned = self._scan_params(self.index + 1)
            if scanned is None:
                return None
            params, end = scanned
            after = self.tokens[end + 1]
            if not (after.kind == "punct" and after.value == "=>"):
                return None
            self.index = end + 2
        else:
            return None
        names = [n for p in params for n in ([p] if isinstance(p, str) else p.names)]
        for name in names:
            check_name(name, tok.pos)
            if name in _RESERVED or name in _KEYWORD_LITERALS:
                raise ExpressionSyntaxError(f"invalid parameter name {name!r}", position=tok.pos)
        body = self.parse_block() if self.at("{") else self.parse_expression()
        return s.Arrow(tok.pos, tuple(params), body)

    def _scan_params(self, j: int) -> tuple[list[str | s.Pattern], int] | None:
        """Parameters `a, [b, c], { d }` up to the closing `)`; None if this is no arrow."""
        params: list[str | s.Pattern] = []
        while True:
            t = self.tokens[j]
            if t.kind == "punct" and t.value == ")" and not params:
                return params, j
            if t.kind == "name":
                params.append(str(t.value))
                j += 1
            elif t.kind == "punct" and t.value in ("[", "{"):
                closing = "]" if t.value == "[" else "}"
                names: list[str] = []
                j += 1
                while True:
                    inner = self.tokens[j]
                    if inner.kind == "name":
                        names.append(str(inner.value))
                    elif not (inner.kind == "punct" and inner.value == ","):
                        break
                    j += 1
                if not (self.tokens[j].kind == "punct" and self.tokens[j].value == closing):
                    return None
                params.append(s.Pattern(t.pos, str(t.value), tuple(names)))
                j += 1
            else:
                return None
            t = self.tokens[j]
            if t.kind == "punct" and t.value == ")":
                return params, j
            if not (t.kind == "punct" and t.value == ","):
                return None
            j += 1

    def parse_block(self) -> s.Block:
        """An arrow body `{ ... }`: declarations, assignments, if/else, return, expressions."""
        pos = self.expect("{").pos
        self.enter()
        try:
            body: list[s.Node] = []
            while not self.at("}"):
                if self.tok.kind == "eof":
                    raise self.error("unterminated block")
                if self.at(";"):
                    self.advance()
                    continue
                body.append(self.parse_statement())
                if len(body) > MAX_ITEMS:
                    raise ExpressionLimitError("block too long", position=pos)
            self.advance()
            return s.Block(pos, tuple(body))
        finally:
            self.depth -= 1

    def parse_statement(self) -> s.Node:
        tok = self.tok
        if tok.kind == "punct" and tok.value == "{":
            return self.parse_block()
        if tok.kind == "name" and tok.value in ("let", "const", "var"):
            self.advance()
            names: list[str] = []
            values: list[s.Node] = []
            while True:
                name_tok = self.advance()
                if name_tok.kind != "name":
                    raise ExpressionSyntaxError("expected a variable name", position=name_tok.pos)
                check_name(str(name_tok.value), name_tok.pos)
                names.append(str(name_tok.value))
                if self.at("="):
                    self.advance()
                    values.append(self.parse_expression())
                else:
                    values.append(s.Literal(name_tok.pos, UNDEFINED))
                if not self.at(","):
                    break
                self.advance()
            return s.Declare(tok.pos, tuple(names), tuple(values))
        if tok.kind == "name" and tok.value == "if":
            self.advance()
            self.expect("(")
            test = self.parse_pipe()
            self.expect(")")
            self.enter()
            try:
                then = self.parse_statement()
                otherwise = None
                if self.at(";") and self.peek().kind == "name" and self.peek().value == "else":
                    self.advance()
                if self.at("else"):
                    self.advance()
                    otherwise = self.parse_statement()
            finally:
                self.depth -= 1
            return s.If(tok.pos, test, then, otherwise)
        if tok.kind == "name" and tok.value == "return":
            self.advance()
            if self.at(";") or self.at("}"):
                return s.Return(tok.pos, None)
            return s.Return(tok.pos, self.parse_pipe())
        start = self.index
        if tok.kind == "name" and tok.value not in _KEYWORD_LITERALS:
            target = self.parse_postfix()
            if (
                isinstance(target, s.Identifier | s.Member)
                and not (isinstance(target, s.Member) and target.optional)
                and self.tok.kind == "punct"
                and self.tok.value in ("=", "+=", "-=")
            ):
                op = str(self.advance().value)
                return s.Assign(target.pos, target, op, self.parse_expression())
            self.index = start
        return self.parse_pipe()

    def parse_binary(self, min_prec: int) -> s.Node:
        left = self.parse_unary()
        while True:
            tok = self.tok
            op = tok.value if tok.kind in ("punct", "name") else None
            prec = _BINARY_PRECEDENCE.get(op) if isinstance(op, str) else None
            if prec is None or prec < min_prec:
                return left
            self.advance()
            self.enter()
            try:
                # `**` is right-associative; all others are left-associative.
                right = self.parse_binary(prec if op == "**" else prec + 1)
            finally:
                self.depth -= 1
            assert isinstance(op, str)
            if op in _LOGICAL:
                left = s.Logical(tok.pos, op, left, right)
            else:
                left = s.Binary(tok.pos, op, left, right)

    def parse_unary(self) -> s.Node:
        tok = self.tok
        if tok.kind in ("punct", "name") and tok.value in _UNARY:
            self.advance()
            self.enter()
            try:
                operand = self.parse_unary()
            finally:
                self.depth -= 1
            return s.Unary(tok.pos, str(tok.value), operand)
        return self.parse_postfix()

    def parse_postfix(self) -> s.Node:
        node = self.parse_primary()
        optional_seen = False
        links = 0
        while True:
            links += 1
            if links > MAX_ITEMS:
                raise ExpressionLimitError("member chain too long", position=self.tok.pos)
            tok = self.tok
            if tok.kind != "punct":
                break
            if tok.value == ".":
                self.advance()
                node = s.Member(tok.pos, node, self.parse_property_name(), False, False)
            elif tok.value == "?.":
                self.advance()
                optional_seen = True
                if self.at("("):
                    node = s.Call(tok.pos, node, self.parse_arguments(), True)
                elif self.at("["):
                    self.advance()
                    key = self.parse_expression()
                    self.expect("]")
                    node = s.Member(tok.pos, node, key, True, True)
                else:
                    node = s.Member(tok.pos, node, self.parse_property_name(), False, True)
            elif tok.value == "[":
                self.advance()
                key = self.parse_expression()
                self.expect("]")
                node = s.Member(tok.pos, node, key, True, False)
            elif tok.value == "(":
                node = s.Call(tok.pos, node, self.parse_arguments(), False)
            else:
                break
            self.check_depth(node)
        if optional_seen:
            node = s.OptionalChain(node.pos, node)
        return node

    def check_depth(self, node: s.Node) -> None:
        depth = 0
        current: s.Node | None = node
        while isinstance(current, s.Member | s.Call):
            depth += 1
            current = current.obj if isinstance(current, s.Member) else current.callee
        if depth + self.depth > MAX_DEPTH * 4:
            raise ExpressionLimitError("member chain too deep", position=node.pos)

    def parse_property_name(self) -> s.Literal:
        tok = self.advance()
        if tok.kind != "name":
            raise ExpressionSyntaxError("expected a property name", position=tok.pos)
        check_name(str(tok.value), tok.pos)
        return s.Literal(tok.pos, tok.value)

    def parse_arguments(self) -> tuple[s.Node, ...]:
        self.expect("(")
        args: list[s.Node] = []
        while not self.at(")"):
            if self.at("..."):
                pos = self.advance().pos
                args.append(s.Spread(pos, self.parse_expression()))
            else:
                args.append(self.parse_expression())
            if len(args) > MAX_ITEMS:
                raise ExpressionLimitError("too many arguments", position=self.tok.pos)
            if not self.at(")"):
                self.expect(",")
        self.advance()
        return tuple(args)

    def parse_primary(self) -> s.Node:
        tok = self.advance()
        if tok.kind == "num" or tok.kind == "str":
            return s.Literal(tok.pos, tok.value)
        if tok.kind == "template":
            return self.parse_template(tok)
        if tok.kind == "regex":
            assert isinstance(tok.value, tuple)
            pattern, flags = str(tok.value[0]), str(tok.value[1])
            try:
                return s.Literal(tok.pos, JSRegExp(pattern, flags))
            except ExpressionError as exc:
                exc.position = tok.pos
                raise
        if tok.kind == "name":
            name = str(tok.value)
            if name in _KEYWORD_LITERALS:
                return s.Literal(tok.pos, _KEYWORD_LITERALS[name])
            if name == "new":
                return self.parse_new(tok)
            check_name(name, tok.pos)
            if name in _RESERVED:
                raise ExpressionSyntaxError(f"{name!r} is not supported", position=tok.pos)
            return s.Identifier(tok.pos, name)
        if tok.kind == "punct":
            if tok.value == "(":
                self.enter()
                try:
                    node = self.parse_pipe()
                    if self.at(","):
                        exprs = [node]
                        while self.at(","):
                            self.advance()
                            exprs.append(self.parse_expression())
                        node = s.Sequence(tok.pos, tuple(exprs))
                finally:
                    self.depth -= 1
                self.expect(")")
                return node
            if tok.value == "[":
                return self.parse_array(tok.pos)
            if tok.value == "{":
                return self.parse_object(tok.pos)
        self.index -= 1
        raise self.error("unexpected token")

    def parse_new(self, tok: Token) -> s.Node:
        target = self.advance()
        if target.kind != "name":
            raise ExpressionSyntaxError("expected a constructor name after 'new'", position=tok.pos)
        check_name(str(target.value), target.pos)
        callee: s.Node = s.Identifier(target.pos, str(target.value))
        while self.at("."):
            dot = self.advance()
            callee = s.Member(dot.pos, callee, self.parse_property_name(), False, False)
        args = self.parse_arguments() if self.at("(") else ()
        return s.New(tok.pos, callee, args)

    def parse_array(self, pos: int) -> s.Node:
        self.enter()
        try:
            items: list[s.Node] = []
            while not self.at("]"):
                if self.at("..."):
                    spos = self.advance().pos
                    items.append(s.Spread(spos, self.parse_expression()))
                else:
                    items.append(self.parse_expression())
                if len(items) > MAX_ITEMS:
                    raise ExpressionLimitError("array literal too large", position=pos)
                if not self.at("]"):
                    self.expect(",")
            self.advance()
            return s.ArrayLiteral(pos, tuple(items))
        finally:
            self.depth -= 1

    def parse_object(self, pos: int) -> s.Node:
        self.enter()
        try:
            props: list[s.Property | s.Spread] = []
            while not self.at("}"):
                props.append(self.parse_object_member())
                if len(props) > MAX_ITEMS:
                    raise ExpressionLimitError("object literal too large", position=pos)
                if not self.at("}"):
                    self.expect(",")
            self.advance()
            return s.ObjectLiteral(pos, tuple(props))
        finally:
            self.depth -= 1

    def parse_object_member(self) -> s.Property | s.Spread:
        tok = self.advance()
        if tok.kind == "punct" and tok.value == "...":
            return s.Spread(tok.pos, self.parse_expression())
        if tok.kind == "punct" and tok.value == "[":
            key = self.parse_expression()
            self.expect("]")
            self.expect(":")
            return s.Property(tok.pos, key, self.parse_expression(), True)
        if tok.kind in ("name", "str", "num"):
            name = str(tok.value) if tok.kind != "num" else _number_key(tok.value)
            if tok.kind == "name" or name.startswith("__"):
                check_name(name, tok.pos)
            key_node = s.Literal(tok.pos, name)
            if tok.kind == "name" and (self.at(",") or self.at("}")):
                return s.Property(tok.pos, key_node, s.Identifier(tok.pos, name), False)
            self.expect(":")
            return s.Property(tok.pos, key_node, self.parse_expression(), False)
        self.index -= 1
        raise self.error("expected a property")

    def parse_template(self, tok: Token) -> s.Node:
        parts = tok.value
        assert isinstance(parts, list)
        quasis = tuple(parts[0::2])
        exprs: list[s.Node] = []
        for source in parts[1::2]:
            sub = Parser(source, depth=self.depth + 1)
            exprs.append(sub.parse_program())
        return s.TemplateLiteral(tok.pos, quasis, tuple(exprs))


def _number_key(value: object) -> str:
    return str(value)


def parse(source: str) -> s.Node:
    return Parser(source).parse_program()
