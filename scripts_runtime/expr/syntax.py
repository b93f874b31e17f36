"""The expression syntax tree: what the parser produces and the compiler consumes.

Nodes are immutable; `pos` is the character offset in the source, for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Identifier(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Member(Node):
    """`obj.name`, `obj[expr]`, `obj?.name`, `obj?.[expr]`; `prop` is a Literal for dot access."""

    obj: Node
    prop: Node
    computed: bool
    optional: bool


@dataclass(frozen=True, slots=True)
class Call(Node):
    callee: Node
    args: tuple[Node, ...]
    optional: bool


@dataclass(frozen=True, slots=True)
class New(Node):
    """`new Date(...)`: only whitelisted constructors may be called this way."""

    callee: Node
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class OptionalChain(Node):
    """The outermost node of a chain containing `?.`: a nullish link short-circuits to here."""

    expr: Node


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    op: str  # && || ??
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Spread(Node):
    expr: Node


@dataclass(frozen=True, slots=True)
class ArrayLiteral(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Property(Node):
    key: Node  # Literal (static key) or any node (computed key)
    value: Node
    computed: bool


@dataclass(frozen=True, slots=True)
class ObjectLiteral(Node):
    properties: tuple[Property | Spread, ...]


@dataclass(frozen=True, slots=True)
class TemplateLiteral(Node):
    quasis: tuple[str, ...]
    exprs: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Pattern(Node):
    """A destructuring parameter: `[key, value]` (kind "[") or `{ id, name }` (kind "{")."""

    kind: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Arrow(Node):
    params: tuple[str | Pattern, ...]
    body: Node

    @property
    def names(self) -> tuple[str, ...]:
        out: list[str] = []
        for param in self.params:
            out.extend([param] if isinstance(param, str) else param.names)
        return tuple(out)


# -- statements: only inside arrow-function block bodies (the original HEAD workflows use them) --


@dataclass(frozen=True, slots=True)
class Block(Node):
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Declare(Node):
    """`let a = 1, b = 2` / `const` / `var`: variables local to the arrow function."""

    names: tuple[str, ...]
    values: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class If(Node):
    test: Node
    then: Node
    otherwise: Node | None


@dataclass(frozen=True, slots=True)
class Return(Node):
    value: Node | None


@dataclass(frozen=True, slots=True)
class Assign(Node):
    """`local = v`, `obj[key] = v`, `+=`, `-=`; objects only if this evaluation created them."""

    target: Node
    op: str
    value: Node


@dataclass(frozen=True, slots=True)
class Pipe(Node):
    """Angular-style filter `value | name:arg1:arg2` (not JavaScript; used by the data)."""

    value: Node
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    """`a; b` or `a, b` at the top level of an event statement: the value is the last one."""

    exprs: tuple[Node, ...]
