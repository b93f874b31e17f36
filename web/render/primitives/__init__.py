"""The primitive library: node `type` -> function(Element) -> HTML (reference section 2.5).

MUI-like names, shadcn-like extras, icons by name and a safe list of lower-case HTML tags.
"""

from __future__ import annotations

from typing import Final

from web.render.primitives import (
    buttons,
    data_display,
    feedback,
    html_tags,
    icons,
    inputs,
    layout,
    navigation,
    surfaces,
    typography,
)
from web.render.primitives.base import Primitive

PRIMITIVES: Final[dict[str, Primitive]] = {
    **html_tags.PRIMITIVES,
    **layout.PRIMITIVES,
    **typography.PRIMITIVES,
    **buttons.PRIMITIVES,
    **surfaces.PRIMITIVES,
    **inputs.PRIMITIVES,
    **data_display.PRIMITIVES,
    **navigation.PRIMITIVES,
    **feedback.PRIMITIVES,
    **icons.PRIMITIVES,
}

__all__ = ["PRIMITIVES", "Primitive"]
