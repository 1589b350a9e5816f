from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict


class WebhookIn(Schema):
    """A new endpoint: where to POST, which topics, and the body's format."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=4000)
    topics: list[str] = Field(max_length=100)
    format: str = "standard"


class WebhookCreatedOut(Schema):
    id: int
    url: str
    topics: list[str]
    format: str
    secret: str = Field(description="`whsec_` + base64; shown only in this answer.")


class WebhookOut(Schema):
    id: int
    url: str
    topics: list[str]
    format: str
    active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str
    created_at: datetime


class AttemptOut(Schema):
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status; null when it did not answer.")
    error: str = Field(description="Why there was no answer (timeout, refused address, …); empty otherwise.")
    response_excerpt: str
    duration_ms: int | None


class DeliveryOut(Schema):
    id: int
    webhook_id: str
    topic: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    response_excerpt: str
    duration_ms: int | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut] = Field(
        description="Every attempt, oldest first (retries and redeliveries)."
    )


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    count: int
    limit: int
    offset: int


class DeliveryFilters(Schema):
    status: str = ""
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)
