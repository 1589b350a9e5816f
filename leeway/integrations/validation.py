"""Checks on what an admin may point a webhook at: http(s) only, and no address inside our own network.

A webhook makes Leeway's server send requests where the admin says. Without these checks an admin of
one organization could make it call the metadata service of the cloud it runs on (169.254.169.254),
a database on localhost or another tenant's internal service (server-side request forgery). The host
is resolved and every address it resolves to is checked, so IP literals in any spelling (127.1,
2130706433, [::ffff:127.0.0.1]) and names that point inside are refused alike. The worker checks
again before each send, as a name may be re-pointed after it was saved.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import InvalidInput

URL_MAX_LENGTH = 2000


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve_addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_destination(url: str) -> None:
    """Raise AddressRefused when the URL's host is internal (unless LEEWAY_WEBHOOKS_ALLOW_PRIVATE)."""
    if settings.LEEWAY_WEBHOOKS_ALLOW_PRIVATE:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve_addresses(host, port)
    except (OSError, ValueError, UnicodeError):
        raise AddressRefused("unresolvable") from None
    if not addresses or any(_is_internal(address) for address in addresses):
        raise AddressRefused("internal")


def clean_webhook_url(url: str) -> str:
    """The URL as given, or InvalidInput (field `url`) saying in the user's language what is wrong."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput(
            _("Enter the URL that should receive the events."), code="invalid_url", field="url"
        )
    if len(url) > URL_MAX_LENGTH:
        raise InvalidInput(
            _("The URL is too long (at most %(limit)s characters).") % {"limit": URL_MAX_LENGTH},
            code="invalid_url",
            field="url",
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise InvalidInput(_("This is not a valid URL."), code="invalid_url", field="url") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(
            _("Only http:// and https:// URLs can receive webhooks."), code="invalid_url", field="url"
        )
    if not parts.hostname or any(char.isspace() for char in url):
        raise InvalidInput(_("This is not a valid URL."), code="invalid_url", field="url")
    try:
        check_destination(url)
    except AddressRefused as refusal:
        if str(refusal) == "unresolvable":
            message = _("The URL's host name could not be found.")
        else:
            message = _(
                "This URL points to a private, loopback or link-local address; webhooks may only go to "
                "public addresses."
            )
        raise InvalidInput(message, code="address_not_allowed", field="url") from None
    return url


def clean_topics(topics, known: dict) -> list[str]:
    """The subscribed topics without repeats, or InvalidInput (field `topics`) naming an unknown one."""
    if not isinstance(topics, list | tuple) or not topics:
        raise InvalidInput(_("Choose at least one topic."), code="invalid_topics", field="topics")
    cleaned = []
    for topic in topics:
        if not isinstance(topic, str) or topic not in known:
            raise InvalidInput(
                _("Unknown topic: %(topic)s.") % {"topic": str(topic)[:80]},
                code="unknown_topic",
                field="topics",
            )
        if topic not in cleaned:
            cleaned.append(topic)
    return cleaned
