"""API tokens (issued, revoked, looked up on every API call) and a member's language."""

import hashlib
import secrets
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leeway.core import caches
from leeway.core.audit import audit_record
from leeway.core.batch import Batch, concrete_attnames, instance_from_row, select_columns
from leeway.core.errors import InvalidInput, NotFound
from leeway.people.models import ApiToken, AuthorityTier, Member, Organization

TOKEN_PREFIX = "lw_"  # noqa: S105 - a label, not a secret
# Writing last_used_at on every request would turn each read into a write.
TOKEN_TOUCH_INTERVAL_SECONDS = 300


def token_digest(raw: str) -> str:
    """Tokens are random and long, so a fast hash is enough (and keeps auth cheap)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, member: Member, name: str = "", actor: Member | None = None) -> tuple[ApiToken, str]:
    """Issue a new API token; the raw value is returned once and never stored."""
    if member.organization_id is None:
        raise InvalidInput(_("Only members of an organization can have API tokens."), code="no_organization")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization_id=member.organization_id,
            member=member,
            name=name[:100],
            prefix=raw[:10],
            digest=token_digest(raw),
        )
        audit_record(
            organization_id=member.organization_id,
            actor_id=(actor or member).pk,
            action="token.created",
            object_type="api_token",
            object_id=token.pk,
            data={"member": member.username, "prefix": token.prefix},
        )
    return token, raw


def token_revoke(*, token: ApiToken, actor: Member) -> ApiToken:
    """Revoke a token; requests with it get 401 from then on (other workers: see _TOKEN_CACHE)."""
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            organization_id=token.organization_id,
            actor_id=actor.pk,
            action="token.revoked",
            object_type="api_token",
            object_id=token.pk,
            data={"member": token.member.username, "prefix": token.prefix},
        )
    return token


# Token digest → (expiry on the monotonic clock, the row `_token_query` found). Every API call
# authenticates, so the lookup is cached for LEEWAY_TOKEN_CACHE_SECONDS (default 5): revoking a
# token or changing a member (active, role, tier, team), a tier or an organization clears this
# process's cache at once (people.apps connects the signals) and every other worker's within that
# time. 0 turns the cache off.
_TOKEN_CACHE: dict[str, tuple[float, tuple]] = {}
_TOKEN_CACHE_LIMIT = 20_000
caches.register("people.tokens", _TOKEN_CACHE.clear)


def forget_tokens(**_signal) -> None:
    """Drop every cached token lookup of this process (a member, token, tier or organization changed)."""
    _TOKEN_CACHE.clear()


@caches.memo("people.token_query", maxsize=1)
def _token_query() -> tuple:
    """One hand-written SELECT: token → member with organization and tier (as select_related would).

    It runs on every API request; building it with the ORM each time cost more than running it.
    """
    quote = connection.ops.quote_name
    members, organizations, tiers = (
        concrete_attnames(Member),
        concrete_attnames(Organization),
        concrete_attnames(AuthorityTier),
    )
    sql = (
        f"SELECT t.{quote('id')}, t.{quote('last_used_at')}, "
        f"{select_columns(Member, members, table_alias='m')}, "
        f"{select_columns(Organization, organizations, table_alias='o')}, "
        f"{select_columns(AuthorityTier, tiers, table_alias='a')} "
        f"FROM {quote(ApiToken._meta.db_table)} t "
        f"INNER JOIN {quote(Member._meta.db_table)} m ON m.{quote('id')} = t.{quote('member_id')} "
        f"LEFT OUTER JOIN {quote(Organization._meta.db_table)} o "
        f"ON o.{quote('id')} = m.{quote('organization_id')} "
        f"LEFT OUTER JOIN {quote(AuthorityTier._meta.db_table)} a "
        f"ON a.{quote('id')} = m.{quote('tier_id')} "
        f"WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL"
    )
    return sql, members, organizations, tiers


def member_for_token(raw: str) -> Member | None:
    """The active member behind a bearer token (organization and tier loaded), or None."""
    if not raw or len(raw) > 200:
        return None
    digest = token_digest(raw)
    cached = _TOKEN_CACHE.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        return _member_from_row(cached[1])
    sql, _members, _organizations, _tiers = _token_query()
    lookup = Batch()
    lookup.add(sql, [digest], rows=True)
    found = lookup.run()[0]
    if not found:
        _TOKEN_CACHE.pop(digest, None)
        return None
    row = found[0]
    ttl = settings.LEEWAY_TOKEN_CACHE_SECONDS
    if ttl > 0:
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_LIMIT:
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[digest] = (time.monotonic() + ttl, row)
    token = instance_from_row(ApiToken, ("id", "last_used_at"), row[:2])
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > TOKEN_TOUCH_INTERVAL_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return _member_from_row(row)


def _member_from_row(row: tuple) -> Member | None:
    """A fresh Member (never shared between requests) from a token row, or None if inactive."""
    _sql, members, organizations, tiers = _token_query()
    end = 2 + len(members)
    member = instance_from_row(Member, members, row[2:end])
    if not member.is_active:
        return None
    organization = tier = None
    if member.organization_id is not None:
        organization = instance_from_row(Organization, organizations, row[end : end + len(organizations)])
    if member.tier_id is not None:
        tier = instance_from_row(AuthorityTier, tiers, row[end + len(organizations) :])
    Member._meta.get_field("organization").set_cached_value(member, organization)
    Member._meta.get_field("tier").set_cached_value(member, tier)
    return member


def member_set_language(*, member: Member, language: str) -> Member:
    """Change the language a member's pages speak."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."), code="unknown_language", field="language")
    if member.language != language:
        member.language = language
        member.save(update_fields=["language"])
    return member


def member_by_username(*, username: str) -> Member:
    try:
        return Member.objects.get(username=username)
    except Member.DoesNotExist:
        raise NotFound(_("No member with that username."), code="member_not_found") from None
