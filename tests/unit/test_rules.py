from datetime import UTC, datetime, timedelta

import pytest

from blog import rules
from blog.errors import ThreadTooDeep
from blog.ids import new_comment_id
from blog.models import CommentStatus, NewComment
from blog.settings import Settings

NOON = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
RULE_SETTINGS = {
    "TABLE_NAME": "blog",
    "CACHE_MAX_AGE_SECONDS": "60",
    "COMMENTS_PER_MINUTE_PER_CLIENT": "3",
    "CLOSE_COMMENTS_AFTER_DAYS": "0",
    "MAX_COMMENT_DEPTH": "3",
    "MAX_LINKS_BEFORE_MODERATION": "2",
    "COMMENT_MODERATION": "auto",
    "SIGNING_KEY": "0123456789abcdef0123",
    "CDN_ENABLED": "false",
    "CDN_ORIGIN_SECRET": "",
}
"""The environment the settings of these tests are read from (not the template's defaults:
MAX_COMMENT_DEPTH is 3 here)."""


def settings(**changes: str) -> Settings:
    return Settings.model_validate({**RULE_SETTINGS, **changes})


def test_no_age_limit_means_threads_never_close_by_themselves():
    assert rules.closes_at(NOON, settings()) is None
    assert rules.oldest_open_publication(NOON, settings()) is None


def test_the_age_limit_closes_a_thread_that_many_days_after_publication():
    thirty_days = settings(CLOSE_COMMENTS_AFTER_DAYS="30")

    assert rules.closes_at(NOON, thirty_days) == NOON + timedelta(days=30)
    assert rules.oldest_open_publication(NOON, thirty_days) == NOON - timedelta(days=30)
    assert rules.closes_at(None, thirty_days) is None


def test_replies_may_nest_down_to_the_maximum_depth():
    top = new_comment_id(None, NOON)
    second = new_comment_id(top, NOON)
    third = new_comment_id(second, NOON)

    rules.check_depth(None, settings())
    rules.check_depth(top, settings())
    rules.check_depth(second, settings())
    with pytest.raises(ThreadTooDeep, match="3 levels"):
        rules.check_depth(third, settings())


def said(content: str, **fields: str) -> NewComment:
    return NewComment(author_name="Ada", content=content, **fields)


def test_comments_with_more_links_than_allowed_are_held():
    two_links = "https://a.example und https://b.example"

    assert rules.moderation_status(said("ohne Link"), settings()) is CommentStatus.APPROVED
    assert rules.moderation_status(said(two_links), settings()) is CommentStatus.APPROVED
    assert rules.moderation_status(said(two_links + " www.c.example"), settings()) is CommentStatus.PENDING
    no_links_allowed = settings(MAX_LINKS_BEFORE_MODERATION="0")
    assert rules.moderation_status(said("ein https://a.example"), no_links_allowed) is CommentStatus.PENDING


def test_moderation_all_holds_every_comment():
    assert (
        rules.moderation_status(said("harmlos"), settings(COMMENT_MODERATION="all")) is CommentStatus.PENDING
    )


def test_a_filled_honeypot_is_spam_that_looks_held_to_its_author():
    status = rules.moderation_status(said("Billig!", website="https://spam.example"), settings())

    assert status is CommentStatus.SPAM
    assert rules.status_shown_to_author(status) is CommentStatus.PENDING
    assert rules.status_shown_to_author(CommentStatus.APPROVED) is CommentStatus.APPROVED


def test_the_client_key_does_not_show_the_address_and_depends_on_the_signing_key():
    key = rules.client_key("203.0.113.7", settings())

    assert "203.0.113.7" not in key
    assert key == rules.client_key("203.0.113.7", settings())
    assert key != rules.client_key("203.0.113.8", settings())
    assert key != rules.client_key("203.0.113.7", settings(SIGNING_KEY="another-key-0123456789"))


def test_the_rate_window_is_the_current_minute():
    start, retry_after = rules.rate_window(datetime(2026, 5, 1, 12, 0, 45, tzinfo=UTC))

    assert start == int(datetime(2026, 5, 1, 12, 0, tzinfo=UTC).timestamp())
    assert retry_after == 15


def test_the_same_text_by_the_same_author_on_the_same_post_is_a_duplicate():
    said = NewComment(author_name="Ada", content="Toller Beitrag!")
    again = NewComment(author_name="ADA", content="Toller Beitrag!\n", author_url="https://ada.example")

    assert rules.duplicate_key("post", said) == rules.duplicate_key("post", again)
    assert rules.duplicate_key("post", said) != rules.duplicate_key("other-post", said)
    assert rules.duplicate_key("post", said) != rules.duplicate_key(
        "post", NewComment(author_name="Bob", content="Toller Beitrag!")
    )


def test_a_request_fingerprint_tells_different_bodies_apart():
    said = NewComment(author_name="Ada", content="Hallo")

    assert rules.request_fingerprint("post", said) == rules.request_fingerprint("post", said.model_copy())
    assert rules.request_fingerprint("post", said) != rules.request_fingerprint(
        "post", NewComment(author_name="Ada", content="Hallo!")
    )
