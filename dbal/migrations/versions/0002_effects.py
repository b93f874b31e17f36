"""effects ledger (exactly-once writes of retried activities, see dbal.effects)

Revision ID: 0002_effects
Revises: 0001_core
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dbal.types

revision: str = "0002_effects"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "effects",
        sa.Column("run_key", sa.String(length=640), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=64), nullable=False),
        sa.Column("result", dbal.types.JSONValue, nullable=True),
        sa.Column("created_at", dbal.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_effects_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_key", "seq", name=op.f("pk_effects")),
    )
    with op.batch_alter_table("effects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_effects_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_effects_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("effects")
