"""Icons by name (MUI and Lucide/Phosphor spellings) rendered as accessible glyphs.

Each name maps to a Unicode symbol drawn with the page font, so icons need no image requests
and no script; an unknown name shows its initial in a rounded badge rather than nothing.
"""

from __future__ import annotations

import re
from typing import Final

from scripts_runtime.expr import display_string
from web.render.element import Element, tag
from web.render.html import escape
from web.render.primitives.base import Primitive, join, modifier, style_class

GLYPHS: Final = {
    "Add": "+",
    "Plus": "+",
    "AddCircle": "⊕",
    "Remove": "\u2212",
    "Minus": "\u2212",
    "Close": "✕",
    "X": "✕",
    "Cancel": "⊗",
    "XCircle": "⊗",
    "Clear": "✕",
    "Check": "✓",
    "Done": "✓",
    "CheckCircle": "✔",
    "CheckCircleOutline": "✔",
    "VerifiedUser": "✔",
    "Delete": "🗑",
    "Trash": "🗑",
    "DeleteOutline": "🗑",
    "Edit": "✎",
    "Pencil": "✎",
    "Save": "💾",
    "Download": "⤓",
    "Upload": "⤒",
    "CloudUpload": "⤒",
    "CloudDownload": "⤓",
    "Search": "🔍",
    "Settings": "⚙",
    "Build": "🔧",
    "Tune": "⚙",
    "Extension": "🧩",
    "Menu": "☰",
    "MoreVert": "⋮",
    "MoreHoriz": "⋯",
    "DragIndicator": "⠿",
    "ChevronRight": "\u203a",
    "ChevronLeft": "\u2039",
    "ExpandMore": "▾",
    "ExpandLess": "▴",
    "ArrowBack": "←",
    "ArrowForward": "→",
    "ArrowUp": "↑",
    "ArrowDown": "↓",
    "ArrowUpward": "↑",
    "ArrowDownward": "↓",
    "ArrowCounterClockwise": "↺",
    "Refresh": "↻",
    "SwapHoriz": "⇄",
    "UnfoldMore": "⇕",
    "UnfoldLess": "⇳",
    "OpenInNew": "↗",
    "Launch": "↗",
    "Info": "\u2139",
    "InfoOutlined": "\u2139",
    "HelpOutline": "?",
    "Help": "?",
    "Warning": "⚠",
    "AlertTriangle": "⚠",
    "Error": "⛔",
    "ErrorOutline": "⛔",
    "Block": "⊘",
    "Lock": "🔒",
    "LockOpen": "🔓",
    "Security": "🛡",
    "Shield": "🛡",
    "ShieldCheck": "🛡",
    "Person": "👤",
    "People": "👥",
    "Groups": "👥",
    "AccountCircle": "👤",
    "Business": "🏢",
    "Logout": "⎋",
    "Login": "⎆",
    "Notifications": "🔔",
    "Bell": "🔔",
    "Home": "⌂",
    "Dashboard": "▦",
    "Grid": "▦",
    "GridView": "▦",
    "ViewList": "☰",
    "TableChart": "▤",
    "ListNumbers": "☷",
    "Layers": "≣",
    "AccountTree": "⌘",
    "Widgets": "▣",
    "Code": "</>",
    "Computer": "🖥",
    "PhoneAndroid": "📱",
    "Tablet": "▯",
    "Tv": "📺",
    "Description": "📄",
    "NoteAdd": "📝",
    "CreateNewFolder": "📁",
    "Folder": "📁",
    "CropFree": "⛶",
    "Fullscreen": "⛶",
    "FullscreenExit": "⛶",
    "Palette": "🎨",
    "DarkMode": "☾",
    "LightMode": "☀",
    "Brightness4": "◐",
    "TextFields": "T",
    "Link": "🔗",
    "Eye": "👁",
    "Visibility": "👁",
    "VisibilityOff": "◌",
    "Clock": "🕒",
    "Schedule": "🕒",
    "Queue": "☰",
    "PlayArrow": "▶",
    "PlayCircle": "▶",
    "Pause": "⏸",
    "Stop": "■",
    "VolumeUp": "🔊",
    "Radio": "📻",
    "FilmSlate": "🎬",
    "SportsEsports": "🎮",
    "Forum": "💬",
    "Chat": "💬",
    "ChartLine": "📈",
    "TrendingUp": "📈",
    "TrendingDown": "📉",
    "TrendingFlat": "→",
    "GitHub": "🐙",
    "Twitter": "🐦",
    "LinkedIn": "in",
    "Email": "✉",
    "Mail": "✉",
    "Star": "★",
    "StarBorder": "☆",
    "Favorite": "♥",
    "Circle": "●",
    "Loader": "◌",
    "Storage": "🗄",
    "Database": "🗄",
    "Cloud": "☁",
    "Send": "➤",
    "ContentCopy": "⧉",
    "Copy": "⧉",
    "FilterList": "⧩",
    "Sort": "⇅",
    "Calendar": "📅",
    "Image": "🖼",
}

_SIZES: Final = {"small": "1.25rem", "medium": "1.5rem", "large": "2.1875rem", "inherit": "inherit"}


def glyph(name: str) -> str:
    clean = re.sub(r"(Outlined|Rounded|Sharp|TwoTone|Icon)$", "", name)
    return GLYPHS.get(name) or GLYPHS.get(clean) or ""


def icon(el: Element) -> str:
    name = display_string(el.get("name", el.get("icon", "")))
    symbol = glyph(name)
    size = el.get("fontSize", el.get("size"))
    style: dict[str, object] = {}
    if isinstance(size, int | float) and not isinstance(size, bool):
        style["fontSize"] = f"{size}px"
    elif isinstance(size, str) and size in _SIZES:
        style["fontSize"] = _SIZES[size]
    elif isinstance(size, str) and re.fullmatch(r"\d+(\.\d+)?(px|rem|em)", size):
        style["fontSize"] = size
    color = el.get("color")
    if isinstance(color, str) and color not in ("inherit", "action", "disabled", ""):
        style["color"] = (
            f"{color}.main"
            if color in ("primary", "secondary", "error", "warning", "info", "success")
            else color
        )
    cls = join(
        "mb-icon",
        "" if symbol else "mb-icon--fallback",
        modifier("mb-icon", color if color in ("action", "disabled") else None),
        style_class(el, style),
    )
    label = el.get("aria-label", el.get("title"))
    extra: dict[str, object] = {"data-icon": name or None}
    if isinstance(label, str) and label:
        extra["role"] = "img"
    else:
        extra["aria-hidden"] = "true"
    shown = symbol or (name[:1].upper() if name else "•")
    return tag("span", el.common(cls, extra=extra), escape(shown))


PRIMITIVES: Final[dict[str, Primitive]] = {"Icon": icon}
