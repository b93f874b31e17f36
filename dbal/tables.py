"""The core schema: every table the runtime itself owns (package entity tables live elsewhere).

Ids are UUIDv7 strings. Tenant-owned tables carry `tenant_id` with an index and cascade away
with their tenant. Credentials are a separate table that no read path of the API returns.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from dbal.types import JSONValue, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

metadata = MetaData(naming_convention=NAMING)

ID = 36  # a UUID string


def _tenant_fk(nullable: bool = False) -> Column[str]:
    return Column(
        "tenant_id",
        String(ID),
        ForeignKey("tenants.id", ondelete="CASCADE"),
        nullable=nullable,
        index=True,
    )


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("settings", JSONValue, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(320), nullable=True, unique=True),
    Column("display_name", String(200), nullable=True),
    Column("profile", JSONValue, nullable=False, default=dict),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("is_instance_owner", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
)

credentials = Table(
    "credentials",
    metadata,
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    _tenant_fk(),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ip_address", String(64), nullable=True),
    Column("user_agent", String(512), nullable=True),
    Index("ix_sessions_user_id", "user_id"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "tenant_id",
        String(ID),
        ForeignKey("tenants.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("role", String(32), nullable=False),
    Column("level", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

page_configs = Table(
    "page_configs",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("path", String(512), nullable=False),
    Column("package_id", String(128), nullable=True, index=True),
    Column("component", String(200), nullable=True),
    Column("title", String(300), nullable=False, default=""),
    Column("description", Text, nullable=True),
    Column("icon", String(200), nullable=True),
    Column("level", Integer, nullable=False, default=0),
    Column("requires_auth", Boolean, nullable=False, default=False),
    Column("required_role", String(32), nullable=True),
    Column("parent_path", String(512), nullable=True),
    Column("sort_order", Integer, nullable=False, default=0),
    Column("is_published", Boolean, nullable=False, default=True),
    Column("component_tree", JSONValue, nullable=True),
    Column("params", JSONValue, nullable=True),
    Column("meta", JSONValue, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "path"),
)

component_nodes = Table(
    "component_nodes",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("page_id", String(ID), ForeignKey("page_configs.id", ondelete="CASCADE"), index=True),
    Column("parent_id", String(ID), nullable=True, index=True),
    Column("type", String(200), nullable=False),
    Column("child_ids", JSONValue, nullable=False, default=list),
    Column("order", Integer, nullable=False, default=0),
)

component_configs = Table(
    "component_configs",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("component_id", String(ID), nullable=False, index=True),
    Column("props", JSONValue, nullable=False, default=dict),
    Column("styles", JSONValue, nullable=False, default=dict),
    Column("events", JSONValue, nullable=False, default=dict),
    Column("conditional_rendering", JSONValue, nullable=True),
)

workflows = Table(
    "workflows",
    metadata,
    Column("id", String(ID), primary_key=True),
    _tenant_fk(),
    Column("package_id", String(128), nullable=True, index=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=True),
    Column("definition", JSONValue, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created_by", String(ID), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "package_id", "name"),
)

installed_packages = Table(
    "installed_packages",
    metadata,
    Column(
        "tenant_id",
        String(ID),
        ForeignKey("tenants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("package_id", String(128), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("config", JSONValue, nullable=False, default=dict),
    Column("installed_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

package_data = Table(
    "package_data",
    metadata,
    Column(
        "tenant_id",
        String(ID),
        ForeignKey("tenants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("package_id", String(128), primary_key=True),
    Column("data", JSONValue, nullable=False, default=dict),
    Column("updated_at", UTCDateTime, nullable=False),
)

# kv.tenant_id is a namespace rather than a foreign key: '' is the system namespace.
kv = Table(
    "kv",
    metadata,
    Column("tenant_id", String(ID), primary_key=True),
    Column("key", String(512), primary_key=True),
    Column("value", JSONValue, nullable=True),
    Column("expires_at", UTCDateTime, nullable=True, index=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", UTCDateTime, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    Column("tenant_id", String(ID), nullable=True, index=True),
    Column("user_id", String(ID), nullable=True),
    Column("level", Integer, nullable=True),
    Column("entity", String(200), nullable=False),
    Column("entity_id", String(200), nullable=True),
    Column("operation", String(32), nullable=False),
    Column("changed_fields", JSONValue, nullable=True),
    Column("entity_ids", JSONValue, nullable=True),  # bulk operations: every affected id
    Column("count", Integer, nullable=False, default=1),
)

runs = Table(
    "runs",
    metadata,
    Column("workflow_id", String(512), primary_key=True),
    Column("run_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("status", String(32), nullable=False, index=True),
    _tenant_fk(nullable=True),
    Column("package_id", String(128), nullable=True, index=True),
    Column("name", String(200), nullable=True),
    Column("user_id", String(ID), nullable=True),
    Column("input_ref", JSONValue, nullable=True),
    Column("result", JSONValue, nullable=True),
    Column("error", JSONValue, nullable=True),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("finished_at", UTCDateTime, nullable=True),
)

# The effects ledger (dbal.effects): one row per write a script made inside an activity,
# keyed by the activity execution and the write's sequence number, committed with the write.
effects = Table(
    "effects",
    metadata,
    Column("run_key", String(640), primary_key=True),  # workflow id / run id / activity id
    Column("seq", Integer, primary_key=True),
    _tenant_fk(),
    Column("op", String(64), nullable=False),
    Column("result", JSONValue, nullable=True),
    Column("created_at", UTCDateTime, nullable=False, index=True),
)

# Registry of package entity schemas applied by dbal.schema (one row per package entity).
entity_schemas = Table(
    "entity_schemas",
    metadata,
    Column("package_id", String(128), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("table_name", String(63), nullable=False, unique=True),
    Column("schema", JSONValue, nullable=False),
    Column("schema_hash", String(64), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

from dbal.accounts import tables as _account_tables  # noqa: E402, F401  (registers them)
