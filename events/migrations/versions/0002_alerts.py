"""Alerts: the subscribers, and the outbox written in the same transaction as the events it answers.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPERATOR_ROWS = "subscriber_id IS NULL"


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("kinds", sa.Text, nullable=False),
        sa.Column("urns", sa.Text, nullable=False),
        sa.Column("regions", sa.Text, nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("email", name="uq_subscribers_email"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subscriber_id", BigId, sa.ForeignKey("subscribers.id", name="fk_outbox_subscriber"),
                  nullable=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("subscriber_id", "key", name="uq_outbox_subscriber_key"),
        sqlite_autoincrement=True,
    )
    # NULLs are distinct in a unique constraint: the operator's notices are kept unique by key here
    op.create_index("uq_outbox_operator_key", "outbox", ["key"], unique=True,
                    sqlite_where=sa.text(OPERATOR_ROWS), postgresql_where=sa.text(OPERATOR_ROWS))
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("subscribers")
