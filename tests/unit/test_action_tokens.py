import base64
from datetime import UTC, datetime, timedelta

import pytest

from blog.action_tokens import (
    MAX_TOKEN_LENGTH,
    MailAction,
    action_url,
    issue_action_token,
    read_action_token,
)
from blog.errors import ActionTokenExpired, InvalidActionToken
from tests.unit.conftest import K1, K2

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
SLUG = "fruehjahrsputz"
COMMENT_ID = "01JD0000000000AB.01JE0000000000CD"
EMAIL_HASH = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _key_ring(signing_secret):
    return signing_secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _payload(token: str) -> str:
    encoded = token.split(".")[1]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


@pytest.mark.parametrize("action", [MailAction.APPROVE, MailAction.SPAM, MailAction.DELETE])
def test_an_owner_token_returns_what_it_asks_for(action):
    token = issue_action_token(action, SLUG, COMMENT_ID, now=NOW)

    found = read_action_token(token, now=NOW)

    assert (found.action, found.slug, found.comment_id, found.email_hash) == (action, SLUG, COMMENT_ID, None)


@pytest.mark.parametrize("action", [MailAction.CONFIRM, MailAction.UNSUBSCRIBE])
def test_a_reader_token_names_the_reader_by_the_hash(action):
    token = issue_action_token(action, SLUG, COMMENT_ID, now=NOW, email_hash=EMAIL_HASH)

    assert read_action_token(token, now=NOW).email_hash == EMAIL_HASH


def test_a_token_is_url_safe_compact_and_names_its_key():
    token = issue_action_token(MailAction.UNSUBSCRIBE, SLUG, COMMENT_ID, now=NOW, email_hash=EMAIL_HASH)

    assert token.startswith("k1.")
    assert all(c.isalnum() or c in "-_." for c in token)
    assert len(token) < 200


def test_a_link_is_the_base_and_the_token():
    assert (
        action_url("https://api.example.org/", "k1.abc.def") == "https://api.example.org/actions/k1.abc.def"
    )
    assert action_url("https://api.example.org", "k1.abc.def") == "https://api.example.org/actions/k1.abc.def"


@pytest.mark.parametrize(
    "action", [MailAction.APPROVE, MailAction.SPAM, MailAction.DELETE, MailAction.CONFIRM]
)
def test_a_moderation_or_confirmation_link_works_for_seven_days(action):
    email_hash = EMAIL_HASH if action is MailAction.CONFIRM else None
    token = issue_action_token(action, SLUG, COMMENT_ID, now=NOW, email_hash=email_hash)

    assert read_action_token(token, now=NOW + timedelta(days=7) - timedelta(seconds=1)).action == action
    with pytest.raises(ActionTokenExpired):
        read_action_token(token, now=NOW + timedelta(days=7))


def test_an_unsubscribe_link_never_expires():
    token = issue_action_token(MailAction.UNSUBSCRIBE, SLUG, COMMENT_ID, now=NOW, email_hash=EMAIL_HASH)

    found = read_action_token(token, now=NOW + timedelta(days=3650))

    assert found.action == MailAction.UNSUBSCRIBE
    assert found.expires_at is None


def test_an_altered_payload_is_refused_even_to_extend_its_life():
    key_id, _, signature = issue_action_token(MailAction.APPROVE, SLUG, COMMENT_ID, now=NOW).split(".")
    longer = issue_action_token(MailAction.APPROVE, SLUG, COMMENT_ID, now=NOW + timedelta(days=30))
    extended = _payload(longer).encode()

    with pytest.raises(InvalidActionToken):
        read_action_token(f"{key_id}.{_b64(extended)}.{signature}", now=NOW)


def test_an_action_cannot_be_swapped_for_another():
    token = issue_action_token(MailAction.APPROVE, SLUG, COMMENT_ID, now=NOW)
    key_id, _, signature = token.split(".")
    as_delete = _payload(token).replace("approve", "delete", 1).encode()

    with pytest.raises(InvalidActionToken):
        read_action_token(f"{key_id}.{_b64(as_delete)}.{signature}", now=NOW)


def test_an_altered_token_is_refused_before_its_age_is_looked_at():
    key_id, payload, signature = issue_action_token(MailAction.APPROVE, SLUG, COMMENT_ID, now=NOW).split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]

    with pytest.raises(InvalidActionToken):
        read_action_token(f"{key_id}.{payload}.{flipped}", now=NOW + timedelta(days=30))


def test_a_token_of_another_secret_is_refused(signing_secret, monkeypatch):
    from blog import keys

    signing_secret["k1"] = K2
    token = issue_action_token(MailAction.APPROVE, SLUG, COMMENT_ID, now=NOW)
    signing_secret["k1"] = K1
    monkeypatch.setattr(keys, "key_ring", lambda: keys.KeyRing(lambda: dict(signing_secret)))

    with pytest.raises(InvalidActionToken):
        read_action_token(token, now=NOW)


def test_a_token_stays_valid_after_rotation_while_the_ring_holds_its_key(signing_secret, monkeypatch):
    from blog import keys

    token = issue_action_token(MailAction.UNSUBSCRIBE, SLUG, COMMENT_ID, now=NOW, email_hash=EMAIL_HASH)
    signing_secret.update({"current": "k2", "k2": K2})
    rotated = keys.KeyRing(lambda: dict(signing_secret))
    monkeypatch.setattr(keys, "key_ring", lambda: rotated)

    assert read_action_token(token, now=NOW).slug == SLUG
    assert issue_action_token(MailAction.APPROVE, SLUG, COMMENT_ID, now=NOW).startswith("k2.")


def test_a_token_signed_with_the_key_of_another_use_is_refused():
    from blog import action_tokens, keys

    key_id, cursor_key = keys.key_ring().signing_key(keys.CURSOR)
    payload = _payload(issue_action_token(MailAction.APPROVE, SLUG, COMMENT_ID, now=NOW)).encode()
    signature = action_tokens._signature(cursor_key, key_id, payload)

    with pytest.raises(InvalidActionToken):
        read_action_token(f"{key_id}.{_b64(payload)}.{_b64(signature)}", now=NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "k1",
        "k1.abc",
        "k1.a.b.c",
        "k1.!!!.abc",
        "k1.YQ.%%",
        "k99999999.YQ.YQ",
        "../../etc.YQ.YQ",
        "k1." + "A" * MAX_TOKEN_LENGTH + ".YQ",
    ],
)
def test_malformed_tokens_are_refused(token):
    with pytest.raises(InvalidActionToken):
        read_action_token(token, now=NOW)


def test_a_signed_payload_that_is_not_an_action_is_refused():
    """A payload signed with the right key but of the wrong shape (an older or foreign format) is
    refused as invalid, never an error of the server."""
    from blog import action_tokens, keys

    key_id, key = keys.key_ring().signing_key(keys.MAIL_ACTION)
    for payload in (b"approve~" + SLUG.encode(), b"publish~a~01JD0000000000AB~1~", b"\xff\xfe"):
        signature = action_tokens._signature(key, key_id, payload)
        with pytest.raises(InvalidActionToken):
            read_action_token(f"{key_id}.{_b64(payload)}.{_b64(signature)}", now=NOW)


@pytest.mark.parametrize(
    ("action", "slug", "comment_id", "email_hash"),
    [
        (MailAction.APPROVE, "Not A Slug", COMMENT_ID, None),
        (MailAction.APPROVE, SLUG, "1", None),
        (MailAction.APPROVE, SLUG, COMMENT_ID, EMAIL_HASH),
        (MailAction.UNSUBSCRIBE, SLUG, COMMENT_ID, None),
        (MailAction.CONFIRM, SLUG, COMMENT_ID, "reader@example.org"),
    ],
)
def test_a_token_is_issued_only_for_what_an_action_can_name(action, slug, comment_id, email_hash):
    with pytest.raises(ValueError, match="name"):
        issue_action_token(action, slug, comment_id, now=NOW, email_hash=email_hash)
