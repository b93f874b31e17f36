"""Roles, levels and who may grant what.

Levels 0..5: public, user, moderator, admin, god, supergod. A user holds one role per tenant;
a god or supergod role in any tenant lets its holder act in every tenant at that level. Only
a supergod grants god or supergod; nobody raises their own level; an actor grants at most its
own level and changes no one at or above it (a supergod excepted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.accounts.errors import InvalidInput, PermissionDenied

PUBLIC, USER, MODERATOR, ADMIN, GOD, SUPERGOD = range(6)
ROLES = ("public", "user", "moderator", "admin", "god", "supergod")


def role_level(role: str | int) -> int:
    if isinstance(role, int) and not isinstance(role, bool) and PUBLIC <= role <= SUPERGOD:
        return role
    if isinstance(role, str):
        name = role.strip().lower()
        if name in ROLES:
            return ROLES.index(name)
        if name.isdigit() and int(name) <= SUPERGOD:
            return int(name)
    raise InvalidInput("role", f"one of {', '.join(ROLES)} (or a level 0..5)")


def role_name(level: int) -> str:
    return ROLES[level]


def effective_level(memberships: Iterable[Mapping[str, Any]], tenant_id: str) -> int | None:
    """The user's level in `tenant_id`, or None when they may not act there at all."""
    own: int | None = None
    cross: int | None = None
    for m in memberships:
        level = int(m["level"])
        if m["tenant_id"] == tenant_id:
            own = level
        if level >= GOD:
            cross = max(cross or 0, level)
    if own is None:
        return cross
    return max(own, cross or 0)


def check_level_change(
    *,
    actor_id: str | None,
    actor_level: int,
    target_id: str,
    current_level: int | None,
    new_level: int,
) -> None:
    """Raise PermissionDenied unless the actor may set the target's level; None actor = system."""
    if actor_id is None:
        return
    if actor_id == target_id and new_level > (current_level or PUBLIC):
        raise PermissionDenied("Nobody can raise their own level.")
    if actor_id == target_id:
        return  # lowering one's own level is allowed
    if actor_level < ADMIN:
        raise PermissionDenied("Changing a member's level needs the admin level.")
    if new_level >= GOD and actor_level < SUPERGOD:
        raise PermissionDenied("Only a supergod can grant the god or supergod level.")
    if new_level > actor_level:
        raise PermissionDenied("You cannot grant a level above your own.")
    if current_level is not None and current_level >= actor_level and actor_level < SUPERGOD:
        raise PermissionDenied("You cannot change the level of a member at or above your level.")
