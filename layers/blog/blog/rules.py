"""The rules a comment and a thread follow, as plain functions over models and settings."""

import hashlib
import hmac
import ipaddress
import json
from datetime import datetime, timedelta

from blog import keys
from blog.content import count_links
from blog.errors import ThreadTooDeep
from blog.ids import depth_of
from blog.models import CommentStatus, NewComment
from blog.settings import ModerationMode, Settings

RATE_WINDOW_SECONDS = 60
IDEMPOTENCY_RETENTION = timedelta(hours=24)
DUPLICATE_GUARD_RETENTION = timedelta(hours=24)
"""How long the same text by the same author on the same post is refused as a duplicate."""


def closes_at(published_at: datetime | None, settings: Settings) -> datetime | None:
    """When the age limit closes a post's thread, or None when no age limit applies."""
    if published_at is None or settings.close_comments_after_days == 0:
        return None
    return published_at + timedelta(days=settings.close_comments_after_days)


def oldest_open_publication(now: datetime, settings: Settings) -> datetime | None:
    """Posts published at or before this moment are past the age limit; None when there is none."""
    if settings.close_comments_after_days == 0:
        return None
    return now - timedelta(days=settings.close_comments_after_days)


def check_depth(parent_id: str | None, settings: Settings) -> None:
    """Refuse a reply that would nest deeper than `MaxCommentDepth`."""
    if parent_id is not None and depth_of(parent_id) + 1 > settings.max_comment_depth:
        raise ThreadTooDeep(f"Replies nest at most {settings.max_comment_depth} levels deep.")


def moderation_status(comment: NewComment, content_html: str, settings: Settings) -> CommentStatus:
    """`spam` when the honeypot field is filled in; `pending` when moderation holds every comment
    or the rendered text (`content_html`) shows too many links; else `approved`."""
    if comment.website:
        return CommentStatus.SPAM
    if settings.comment_moderation is ModerationMode.ALL:
        return CommentStatus.PENDING
    if count_links(content_html) > settings.max_links_before_moderation:
        return CommentStatus.PENDING
    return CommentStatus.APPROVED


def spam_purged_at(now: datetime, settings: Settings) -> int:
    """When a comment marked as spam now is deleted, with its email address (epoch seconds, TTL)."""
    return int((now + timedelta(days=settings.spam_retention_days)).timestamp())


def held_comment_purged_at(now: datetime, settings: Settings) -> int:
    """When a comment held for moderation now is deleted, with its email address, if no one has
    decided on it by then (epoch seconds, TTL; approving it keeps it)."""
    return int((now + timedelta(days=settings.held_comment_retention_days)).timestamp())


def purged_at(status: CommentStatus, now: datetime, settings: Settings) -> int | None:
    """When DynamoDB's TTL deletes a comment stored now with `status`: spam and held comments
    expire, published ones stay."""
    if status is CommentStatus.SPAM:
        return spam_purged_at(now, settings)
    if status is CommentStatus.PENDING:
        return held_comment_purged_at(now, settings)
    return None


def status_shown_to_author(stored: CommentStatus) -> CommentStatus:
    """What the author is told: spam caught by the honeypot looks like a held comment."""
    return CommentStatus.PENDING if stored is CommentStatus.SPAM else stored


def rate_limited_client(address: str) -> str:
    """Who the rate limit counts: an IPv4 address (also when IPv4-mapped), or the /64 of an IPv6 one.

    One IPv6 subscriber gets a /64 (RFC 6177) and picks any address in it, so counting addresses
    would let it send as many comments as it has addresses. Anything else is counted as it is.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_key(address: str) -> str:
    """A keyed hash of who sent a request (rate_limited_client): enough to count its comments, not
    to recover its address. Its key never rotates, so the counts stay comparable."""
    key = keys.key_ring().stable_key(keys.CLIENT_ADDRESS)
    return hmac.new(key, rate_limited_client(address).encode(), hashlib.sha256).hexdigest()[:32]


def rate_window(now: datetime) -> tuple[int, int]:
    """The current rate-limit window (its start, in epoch seconds) and the seconds until it ends."""
    epoch = int(now.timestamp())
    start = epoch - epoch % RATE_WINDOW_SECONDS
    return start, start + RATE_WINDOW_SECONDS - epoch


def duplicate_key(slug: str, comment: NewComment) -> str:
    """Equal for the same text by the same author on the same post."""
    identity = json.dumps([slug, comment.author_name.casefold(), comment.content.strip()])
    return hashlib.sha256(identity.encode()).hexdigest()


def request_fingerprint(slug: str, comment: NewComment) -> str:
    """Equal for the same request, so a reused Idempotency-Key with another body is told apart."""
    identity = json.dumps([slug, comment.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(identity.encode()).hexdigest()


def idempotency_record_key(slug: str, idempotency_key: str) -> str:
    """Where a submission's Idempotency-Key is recorded: one per post and key."""
    return hashlib.sha256(f"{slug}\n{idempotency_key}".encode()).hexdigest()
