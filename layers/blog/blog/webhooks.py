"""Signed webhook deliveries: one JSON POST per event to WebhookUrl.

The body is `{"type", "id", "created_at", "data"}` with public fields only (what the API shows
anyone); `id` is the same for every delivery of one event, so a receiver can drop repeats. The
header `Blog-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` is keyed with the
webhook key, derived from the stable key of the key ring (blog.keys): receivers keep one key that
no rotation changes (docs/OPERATIONS.md says how to read it, and how to verify a delivery).
"""

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from datetime import datetime
from functools import cache
from typing import Any

from blog import keys
from blog.timestamps import format_timestamp

WEBHOOK_SIGNATURE = "webhook-signature"
"""The key ring's use for webhook signatures (blog.keys.derive)."""
TIMEOUT_SECONDS = 5.0
USER_AGENT = "serverless-blog-webhook/1"


class WebhookFailed(Exception):
    """The receiver did not take a delivery (no answer in time, or not 2xx); the stream retries."""


def event_id(key: str) -> str:
    """The public id of an event: stable for the event, saying nothing of how it was named."""
    return "evt_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def body_of(event_type: str, key: str, created_at: datetime, data: dict[str, Any]) -> bytes:
    """The JSON body of one delivery."""
    payload = {
        "type": event_type,
        "id": event_id(key),
        "created_at": format_timestamp(created_at),
        "data": data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signature(body: bytes, *, timestamp: int, key: bytes) -> str:
    """The `Blog-Signature` header of `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_key() -> bytes:
    """The key webhook signatures are made with (never rotated: receivers keep it)."""
    return keys.key_ring().stable_key(WEBHOOK_SIGNATURE)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: urllib would follow it with a bodiless GET."""

    def redirect_request(self, *_: Any) -> None:
        return None


@cache
def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects())


def post(url: str, body: bytes, signature_header: str) -> None:
    """POST `body` to `url` with its `Blog-Signature` header (`signature`); WebhookFailed unless the
    receiver answers 2xx within 5 s (a redirect is not followed: it is a failure)."""
    request = urllib.request.Request(  # noqa: S310 (the operator's https URL, checked by the template)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Blog-Signature": signature_header,
        },
    )
    try:
        with _opener().open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError, ValueError) as error:
        raise WebhookFailed(str(error)) from error
    if not 200 <= status < 300:
        raise WebhookFailed(f"the receiver answered {status}")
