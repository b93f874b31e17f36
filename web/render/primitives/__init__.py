"""The primitive library: node `type` -> function(Element) -> HTML (reference section 2.5)."""

from __future__ import annotations

from typing import Final

from web.render.primitives import buttons, layout, surfaces, typography
from web.render.primitives.base import Primitive

PRIMITIVES: Final[dict[str, Primitive]] = {
    **layout.PRIMITIVES,
    **typography.PRIMITIVES,
    **buttons.PRIMITIVES,
    **surfaces.PRIMITIVES,
}

__all__ = ["PRIMITIVES", "Primitive"]
