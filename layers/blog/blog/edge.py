"""Requests through the CDN: proof that CloudFront forwarded them, and the reader's address.

With the CDN on (`CdnEnabled`), CloudFront adds a secret header (`ORIGIN_HEADER`) to every request it
forwards, and a public route refuses a request without it, so no one reaches the API around the CDN
and the WAF rules in front of it. Behind CloudFront, API Gateway's source IP is an edge server's,
shared by many readers; the reader's own address is in `CloudFront-Viewer-Address`, which is
believed only on a request that carried the secret header. CloudFront also sends the origin's host
in Host; the host the reader asked for (for links, such as a feed's self link) comes in
`X-Viewer-Host`, set by a CloudFront Function, and is believed under the same condition.
"""

import hmac
import re
import time
from typing import Any

from blog.settings import Settings

ORIGIN_HEADER = "x-origin-verify"
"""The header CloudFront adds to every origin request (template.yaml, the distribution's origin)."""
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"
"""`ip:port` of the reader as CloudFront saw it; an IPv6 address comes without brackets."""
VIEWER_HOST_HEADER = "x-viewer-host"
"""The host the reader asked CloudFront for (template.yaml, CdnViewerHostFunction): CloudFront sends
the origin's own host in Host."""
REFETCH_INTERVAL_SECONDS = 60
"""How often a container may fetch the origin secret again after a header did not match it."""
_CACHED_FOR_THE_CONTAINERS_LIFE = 10**9
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
"""A host and optional port as a Host header holds them: nothing that could end or extend a URL's
authority."""

_fetched_at: dict[str, float] = {}
"""When this container last read each origin secret from Secrets Manager (epoch seconds: wall-clock
time stays right across a SnapStart restore, where a monotonic clock need not)."""


def origin_header_value(settings: Settings, *, refresh: bool = False) -> str:
    """The value CloudFront sends in `ORIGIN_HEADER`, from its secret, cached for the container's life.

    `refresh` reads it again (the secret was rotated and the distribution updated since).
    """
    # Imported here: only a function behind the CDN needs the Secrets Manager client.
    from aws_lambda_powertools.utilities import parameters

    name = settings.cdn_origin_secret
    value = parameters.get_secret(name, max_age=_CACHED_FOR_THE_CONTAINERS_LIFE, force_fetch=refresh)
    if refresh or name not in _fetched_at:
        _fetched_at[name] = time.time()
    return str(value)


def _header(event: dict[str, Any], name: str) -> str | None:
    value = (event.get("headers") or {}).get(name)
    return None if value is None else str(value)


def came_through_the_cdn(event: dict[str, Any], settings: Settings) -> bool:
    """Whether a request carries the origin header CloudFront adds.

    A mismatch may mean the secret was rotated since this container read it: then it is read once
    more, at most every `REFETCH_INTERVAL_SECONDS`, so a flood of forged headers costs no more reads.
    """
    sent = _header(event, ORIGIN_HEADER)
    if not sent:
        return False
    if hmac.compare_digest(sent.encode(), origin_header_value(settings).encode()):
        return True
    since_last_read = time.time() - _fetched_at[settings.cdn_origin_secret]
    if 0 <= since_last_read < REFETCH_INTERVAL_SECONDS:
        return False
    return hmac.compare_digest(sent.encode(), origin_header_value(settings, refresh=True).encode())


def is_signed_by_iam(event: dict[str, Any]) -> bool:
    """Whether API Gateway checked the request's SigV4 signature (an admin route).

    Admin routes are reached on the execute-api URL, never through the CDN (a signature covers the
    Host header, which CloudFront changes).
    """
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return bool(authorizer.get("iam"))


def _viewer_ip(header: str) -> str | None:
    # `198.51.100.10:46532`, `2001:db8::1:46532`; a bracketed IPv6 form is read as well.
    # Imported here (a few ms): only a function behind the CDN reads a viewer address.
    import ipaddress

    host, separator, port = header.strip().rpartition(":")
    if not separator or not port.isdigit():
        return None
    try:
        return str(ipaddress.ip_address(host.removeprefix("[").removesuffix("]")))
    except ValueError:
        return None


def client_address(event: dict[str, Any], settings: Settings) -> str:
    """The reader's address: CloudFront's viewer address with the CDN on, else API Gateway's source IP.

    With the CDN on, the entry point has already refused requests that did not come through it, so
    the viewer address header is CloudFront's. Without it (a misconfigured origin request policy),
    the edge server's address stands in: stricter, since readers behind one edge share its limit.
    """
    source_ip = str(event["requestContext"]["http"]["sourceIp"])
    if not settings.cdn_enabled:
        return source_ip
    header = _header(event, VIEWER_ADDRESS_HEADER)
    viewer_ip = None if header is None else _viewer_ip(header)
    return viewer_ip or source_ip


def public_base_url(event: dict[str, Any], settings: Settings, *, public_api_url: str) -> str:
    """The scheme and host (and base path) under which readers reach this API, for links to it.

    `public_api_url` (PublicApiUrl) when set; else, with the CDN on, the host the reader asked
    CloudFront for (only a request that came through the CDN is served then, so the header is
    CloudFront's); else the host the request came to.
    """
    if public_api_url:
        return public_api_url
    if settings.cdn_enabled:
        viewer_host = _header(event, VIEWER_HOST_HEADER)
        if viewer_host and _HOST.fullmatch(viewer_host):
            return f"https://{viewer_host}"
    host = _header(event, "host")
    if not host or not _HOST.fullmatch(host):
        # API Gateway's own name for the API, which a client cannot choose.
        host = str((event.get("requestContext") or {}).get("domainName") or "localhost")
    scheme = "http" if _header(event, "x-forwarded-proto") == "http" else "https"
    return f"{scheme}://{host}"
