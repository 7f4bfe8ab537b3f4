"""The alert tables as SQLAlchemy Core sees them (migration 0002 creates them)."""
from __future__ import annotations

import sqlalchemy as sa

from events.store import BigId, UTCDateTime, metadata

subscribers_table = sa.Table(
    "subscribers", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("kinds", sa.Text, nullable=False),  # comma-separated, in ALERT_KINDS order
    sa.Column("urns", sa.Text, nullable=False),  # JSON lists: empty means no narrowing
    sa.Column("regions", sa.Text, nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("removed_at", UTCDateTime),
)

outbox_table = sa.Table(
    "outbox", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("subscriber_id", BigId, sa.ForeignKey("subscribers.id")),  # NULL: a notice to the operator
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("message_id", sa.String(255)),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.UniqueConstraint("subscriber_id", "key"),
)

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
IMMEDIATE, DIGEST, OPERATOR = "immediate", "digest", "operator"
