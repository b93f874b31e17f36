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

# Primitives whose HTML depends only on props, classes, handlers and (verbatim) children, so
# their output can be memoised (see web/render/shells.py). Anything reading render state
# (ids, Tabs/Select context, the CSRF token) stays out.
SHELL_SAFE: Final = frozenset(
    {
        "Box",
        "Stack",
        "Flex",
        "Grid",
        "Container",
        "Toolbar",
        "ScrollArea",
        "Typography",
        "Text",
        "Label",
        "AlertTitle",
        "Card",
        "CardHeader",
        "CardContent",
        "CardActions",
        "CardFooter",
        "CardTitle",
        "CardDescription",
        "CardMedia",
        "Paper",
        "AppBar",
        "Accordion",
        "AccordionSummary",
        "AccordionDetails",
        "Collapse",
        "DialogTitle",
        "DialogContent",
        "DialogActions",
        "Button",
        "IconButton",
        "ButtonGroup",
        "ToggleButton",
        "ToggleButtonGroup",
        "List",
        "ListItem",
        "ListItemButton",
        "ListItemText",
        "ListItemIcon",
        "ListItemAvatar",
        "Table",
        "TableBody",
        "TableFooter",
        "TableRow",
        "TableCell",
        "TableContainer",
        "Chip",
        "Avatar",
        "Badge",
        "Tooltip",
        "Divider",
        "Separator",
        "TreeView",
        "TreeItem",
        "Image",
        "StatCard",
        "Link",
        "Breadcrumbs",
        "Nav",
        "NavigationBar",
        "Header",
        "Alert",
        "LinearProgress",
        "CircularProgress",
        "Skeleton",
        "Icon",
        "FormControlLabel",
        "FormGroup",
        "InputLabel",
        "InputAdornment",
        "TabsList",
        "TabList",
        "TextField",
        "Input",
        "Textarea",
        "Checkbox",
        "Switch",
        "Slider",
        "ColorPicker",
        "FormField",
        "FormControl",
        *html_tags.CONTAINER_TAGS,
    }
) - {"select", "option", "textarea"}

__all__ = ["PRIMITIVES", "SHELL_SAFE", "Primitive"]
