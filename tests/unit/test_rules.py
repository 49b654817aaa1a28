import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from blog import keys, rules
from blog.content import render_comment
from blog.errors import ThreadTooDeep
from blog.ids import new_comment_id
from blog.models import CommentStatus, NewComment
from blog.settings import Settings
from tests.unit.conftest import K2

NOON = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
RULE_SETTINGS = {
    "TABLE_NAME": "blog",
    "CACHE_MAX_AGE_SECONDS": "60",
    "COMMENTS_PER_MINUTE_PER_CLIENT": "3",
    "CLOSE_COMMENTS_AFTER_DAYS": "0",
    "MAX_COMMENT_DEPTH": "3",
    "MAX_LINKS_BEFORE_MODERATION": "2",
    "COMMENT_MODERATION": "auto",
    "SPAM_RETENTION_DAYS": "30",
    "HELD_COMMENT_RETENTION_DAYS": "90",
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
    return NewComment.model_validate({"author_name": "Ada", "content": content, **fields})


def status_of(content: str, chosen: Settings, **fields: str) -> CommentStatus:
    return rules.moderation_status(said(content, **fields), render_comment(content), chosen)


def test_comments_with_more_links_than_allowed_are_held():
    two_links = "https://a.example und https://b.example"

    assert status_of("ohne Link", settings()) is CommentStatus.APPROVED
    assert status_of(two_links, settings()) is CommentStatus.APPROVED
    assert status_of(two_links + " www.c.example", settings()) is CommentStatus.PENDING
    no_links_allowed = settings(MAX_LINKS_BEFORE_MODERATION="0")
    assert status_of("ein https://a.example", no_links_allowed) is CommentStatus.PENDING


def test_links_are_counted_as_rendered_whatever_their_markdown_spelling():
    disguised = "[a](//a.example) [b](https&#58;//b.example) [c](https\\://c.example)"

    assert status_of(disguised, settings()) is CommentStatus.PENDING
    assert status_of("[a](HTTPS&colon;//a.example)", settings(MAX_LINKS_BEFORE_MODERATION="0")) is (
        CommentStatus.PENDING
    )


def test_moderation_all_holds_every_comment():
    assert status_of("harmlos", settings(COMMENT_MODERATION="all")) is CommentStatus.PENDING


def test_a_filled_honeypot_is_spam_that_looks_held_to_its_author():
    status = status_of("Billig!", settings(), website="https://spam.example")

    assert status is CommentStatus.SPAM
    assert rules.status_shown_to_author(status) is CommentStatus.PENDING
    assert rules.status_shown_to_author(CommentStatus.APPROVED) is CommentStatus.APPROVED


def test_the_client_key_does_not_show_the_address_and_depends_on_the_signing_secret(
    signing_secret, monkeypatch
):
    key = rules.client_key("203.0.113.7")

    assert "203.0.113.7" not in key
    assert key == rules.client_key("203.0.113.7")
    assert key != rules.client_key("203.0.113.8")
    assert key != hashlib.sha256(b"203.0.113.7").hexdigest()[:32]
    signing_secret["k1"] = K2
    monkeypatch.setattr(keys, "key_ring", lambda: keys.KeyRing(lambda: dict(signing_secret)))
    assert key != rules.client_key("203.0.113.7")


def test_the_client_key_stays_the_same_when_a_key_is_added(signing_secret, monkeypatch):
    key = rules.client_key("203.0.113.7")
    signing_secret.update({"current": "k2", "k2": K2})
    monkeypatch.setattr(keys, "key_ring", lambda: keys.KeyRing(lambda: dict(signing_secret)))

    assert rules.client_key("203.0.113.7") == key


@pytest.mark.parametrize(
    ("address", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1234:5678:9abc:def0:1:2", "2001:db8:1234:5678::/64"),
        ("2001:DB8:1234:5678::1", "2001:db8:1234:5678::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("not an address", "not an address"),
    ],
)
def test_the_rate_limit_counts_an_ipv4_address_and_an_ipv6_64(address, counted_as):
    assert rules.rate_limited_client(address) == counted_as


def test_addresses_of_one_64_share_a_client_key_and_other_64s_do_not(signing_secret):
    same_64 = {rules.client_key(f"2001:db8:1234:5678::{n:x}") for n in range(1, 11)}

    assert len(same_64) == 1
    assert rules.client_key("2001:db8:1234:5679::1") not in same_64


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
