"""Who is asking: the scope every data-layer call carries.

A scope is a tenant, a user (or an anonymous visitor) and a level 0..5 (public, user,
moderator, admin, god, supergod), or the explicit system scope used by the installer,
migrations and trusted host code. There is no other way to reach data: the query core reads
the tenant filter, ACL levels and owner rules from the scope.
"""

from __future__ import annotations

from dataclasses import dataclass

from dbal.errors import ForbiddenError, ValidationError

PUBLIC, USER, MODERATOR, ADMIN, GOD, SUPERGOD = range(6)
LEVEL_NAMES = ("public", "user", "moderator", "admin", "god", "supergod")


@dataclass(frozen=True, slots=True)
class Scope:
    tenant_id: str | None
    user_id: str | None
    level: int
    is_system: bool = False

    @classmethod
    def system(cls, tenant_id: str | None = None) -> Scope:
        """The unscoped path, explicit: no ACL, and no tenant filter unless `tenant_id` is given."""
        return cls(tenant_id=tenant_id, user_id=None, level=SUPERGOD, is_system=True)

    @classmethod
    def for_user(cls, tenant_id: str, user_id: str | None, level: int) -> Scope:
        if not tenant_id:
            raise ValidationError.for_field("tenant_id", "a user scope needs a tenant")
        if isinstance(level, bool) or not isinstance(level, int) or not PUBLIC <= level <= SUPERGOD:
            raise ValidationError.for_field("level", "must be an integer 0..5")
        return cls(tenant_id=tenant_id, user_id=user_id, level=level)

    @classmethod
    def public(cls, tenant_id: str) -> Scope:
        return cls.for_user(tenant_id, None, PUBLIC)

    def in_tenant(self, tenant_id: str) -> Scope:
        """The same caller acting in another tenant (system, god and supergod only)."""
        if tenant_id == self.tenant_id:
            return self
        if not (self.is_system or self.level >= GOD):
            raise ForbiddenError("Not a member of this tenant")
        return Scope(tenant_id, self.user_id, self.level, self.is_system)

    def require_level(self, minimum: int, action: str) -> None:
        if not self.is_system and self.level < minimum:
            raise ForbiddenError(
                f"{action} needs level {minimum} ({LEVEL_NAMES[minimum]}), caller has {self.level}"
            )

    def require_tenant(self, tenant_id: str, minimum: int, action: str) -> None:
        """Allow acting on `tenant_id` data: own tenant at `minimum`, any tenant for god+."""
        self.require_level(minimum, action)
        if self.is_system or self.level >= GOD:
            return
        if self.tenant_id != tenant_id:
            raise ForbiddenError("Not a member of this tenant")

    @property
    def namespace(self) -> str:
        """The tenant key used for tenant-namespaced data ('' for a tenantless system scope)."""
        return self.tenant_id or ""

    def __repr__(self) -> str:
        if self.is_system:
            return f"Scope.system(tenant_id={self.tenant_id!r})"
        return f"Scope(tenant={self.tenant_id!r}, user={self.user_id!r}, level={self.level})"
