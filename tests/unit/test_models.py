import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from blog.ids import new_comment_id
from blog.models import EMAIL_PATTERN, WEB_URL_PATTERN, NewComment, PostInput, is_slug

VALID = {"author_name": "Jörg Müller", "content": "Schöner Beitrag – danke!"}


def comment(**changes):
    return NewComment.model_validate({**VALID, **changes})


def test_a_minimal_comment_is_valid_and_keeps_its_text():
    assert comment().content == VALID["content"]


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError, match="extra"):
        comment(is_admin=True)


@pytest.mark.parametrize("missing", ["author_name", "content"])
def test_name_and_content_are_required(missing):
    data = dict(VALID)
    del data[missing]
    with pytest.raises(ValidationError):
        NewComment.model_validate(data)


def test_the_name_is_trimmed_and_at_most_80_characters():
    assert comment(author_name="  Ada  ").author_name == "Ada"
    assert comment(author_name="ü" * 80).author_name == "ü" * 80
    with pytest.raises(ValidationError):
        comment(author_name="ü" * 81)
    with pytest.raises(ValidationError):
        comment(author_name="   ")


def test_content_is_at_most_5000_characters_and_not_blank():
    assert comment(content="ß" * 5000).content == "ß" * 5000
    with pytest.raises(ValidationError):
        comment(content="ß" * 5001)
    with pytest.raises(ValidationError):
        comment(content=" \n\t ")


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b[31m", "\x7f"])
def test_control_characters_are_refused(control):
    with pytest.raises(ValidationError, match="control characters"):
        comment(content=f"Hallo{control}Welt")
    with pytest.raises(ValidationError, match="control characters"):
        comment(author_name=f"Ada{control}")


def test_tabs_and_line_breaks_are_text():
    assert comment(content="a\tb\r\nc\nd").content == "a\tb\r\nc\nd"


@pytest.mark.parametrize("address", ["ada@example.org", "jörg@bücher.example"])
def test_email_addresses(address):
    assert comment(author_email=address).author_email == address


@pytest.mark.parametrize("address", ["ada", "ada@", "@example.org", "a b@example.org", "ada@example"])
def test_malformed_email_addresses_are_refused(address):
    with pytest.raises(ValidationError):
        comment(author_email=address)


@pytest.mark.parametrize("url", ["https://example.org", "http://example.org/ü?x=1"])
def test_web_addresses(url):
    assert comment(author_url=url).author_url == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org", "example.org", "https://", "https://a b"]
)
def test_other_addresses_are_refused(url):
    with pytest.raises(ValidationError):
        comment(author_url=url)


def test_parent_id_must_be_a_comment_id():
    parent = new_comment_id(None, datetime.now(UTC))

    assert comment(parent_id=parent).parent_id == parent
    with pytest.raises(ValidationError):
        comment(parent_id="../../etc")


POST = {"title": "Titel", "content": "Text", "author": "Miriam", "category": "Veranstaltungen"}


def test_a_post_without_publication_time_is_a_draft():
    post = PostInput.model_validate(POST)

    assert post.published_at is None
    assert post.comments_open is True
    assert post.tags == []


def test_publication_times_are_kept_in_utc_to_the_second():
    post = PostInput.model_validate({**POST, "published_at": "2026-03-14T10:30:00.999+01:00"})

    assert post.published_at == datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert post.model_dump(mode="json")["published_at"] == "2026-03-14T09:30:00Z"


def test_a_publication_time_needs_a_time_zone():
    with pytest.raises(ValidationError, match="timezone"):
        PostInput.model_validate({**POST, "published_at": "2026-03-14T10:30:00"})


def test_a_post_refuses_unknown_fields():
    with pytest.raises(ValidationError, match="extra"):
        PostInput.model_validate({**POST, "comment_count": 1000})


@pytest.mark.parametrize("slug", ["a", "rueckblick-2026", "x" * 100])
def test_slugs(slug):
    assert is_slug(slug)


@pytest.mark.parametrize("slug", ["", "Rückblick", "a--b", "-a", "a-", "a_b", "a/b", "x" * 101])
def test_not_slugs(slug):
    assert not is_slug(slug)


SAMPLES = [
    "Hallo",
    "  Jörg  ",
    "a\tb",
    "erste\nzweite\r\nZeile",
    "\u00a0",
    " ",
    "",
    "\x07",
    "Text\x00",
    "Text\x7f",
    "😀",
    "\u200b",
    "Ada\n",
    "\x1cAda",
    "Ada\x85",
    "\ufeff",
    "\u3000Ada",
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_documented_patterns_say_what_the_validators_check(sample):
    """schemathesis generates requests from the JSON Schema: it must promise what is accepted.

    JSON Schema searches a pattern (re.search), as schemathesis and its validators do.
    """
    schema = NewComment.model_json_schema()["properties"]
    for field in ("content", "author_name"):
        try:
            comment(**{field: sample})
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == (re.search(schema[field]["pattern"], sample) is not None), (field, sample)


def test_lone_surrogates_are_not_text():
    with pytest.raises(ValidationError, match="unicode string"):
        comment(content="kaputt \ud83d")


@pytest.mark.parametrize("year", ["0349", "1969", "10000"])
def test_publication_times_lie_between_1970_and_9999(year):
    with pytest.raises(ValidationError):
        PostInput.model_validate({**POST, "published_at": f"{year}-03-14T10:30:00Z"})


def test_email_and_web_address_patterns_are_documented():
    schema = NewComment.model_json_schema()["properties"]

    assert schema["author_email"]["anyOf"][0]["pattern"] == EMAIL_PATTERN
    assert schema["author_url"]["anyOf"][0]["pattern"] == WEB_URL_PATTERN
