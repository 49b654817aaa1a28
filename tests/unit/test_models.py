import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from blog.content import has_bidi_control_outside_code
from blog.ids import new_comment_id
from blog.models import (
    EMAIL_PATTERN,
    WEB_URL_PATTERN,
    NewComment,
    PostInput,
    has_letter_or_digit,
    is_slug,
)

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


SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
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
    "\u200b\u2800\u3164",
    "\u3164",
    "\U000e0041\U000e0064\U000e0061",
    "Ada\U000e0041",
    "Ada\u202e",
    "\u2067Ada\u2069",
    "Ada\u200f",
    "!!!",
    "Ada " + SCOTLAND,
    SCOTLAND,
    "Ada " + FAMILY,
    "\u0645\u0631\u064a\u0645",
    "\u0645\u0631\u064a\u0645 \u061c",
    "`\u202e`",
    "Text &#x202e; Text",
    "\u0915\u094d\u200d\u0937",
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    "\U0001d7d8",
]

RULES_BEYOND_THE_PATTERN = {
    "author_name": has_letter_or_digit,
    "content": lambda text: not has_bidi_control_outside_code(text),
}
"""What each field's description says and its pattern cannot: the validator applies it on top."""


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_documented_patterns_say_what_the_validators_check(sample):
    """schemathesis generates requests from the JSON Schema: it must promise what is accepted.

    JSON Schema searches a pattern (re.search), as schemathesis and its validators do. A text the
    pattern refuses is refused; one it accepts is accepted unless the rule in words refuses it.
    """
    schema = NewComment.model_json_schema()["properties"]
    for field, also in RULES_BEYOND_THE_PATTERN.items():
        try:
            comment(**{field: sample})
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == (re.search(schema[field]["pattern"], sample) is not None and also(sample)), (
            field,
            sample,
        )


def test_the_rules_beyond_the_patterns_are_in_the_descriptions():
    schema = NewComment.model_json_schema()["properties"]

    assert "letter or a digit" in schema["author_name"]["description"]
    assert "Bidirectional control characters" in schema["content"]["description"]


@pytest.mark.parametrize(
    "name",
    [
        "Jörg Müller",
        "\u0645\u0631\u064a\u0645",  # Arabic, right to left without any control
        "\u05e9\u05e8\u05d4 Cohen",
        "\u0915\u094d\u200d\u0937",  # Devanagari with a zero-width joiner
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian with a zero-width non-joiner
        "Ada " + FAMILY,
        "Ada " + SCOTLAND,
        "R2D2",
        "42",
        "李小龍",
    ],
)
def test_real_names_and_their_emoji_are_welcome(name):
    assert comment(author_name=name).author_name == name


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",
        "\u200b\u200b\u200b",
        "\u2800\u2800",
        "\u3164",
        "\uffa0\u115f",
        "\U000e0041\U000e0064\U000e0061",
        SCOTLAND,
        "!!!",
        "😀",
        "\u0301",
    ],
)
def test_a_name_with_no_letter_or_digit_is_refused(name):
    with pytest.raises(ValidationError, match=r"letter or a digit|must not be blank"):
        comment(author_name=name)


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                                     "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"])  # fmt: skip
def test_bidirectional_controls_are_refused_in_names(control):
    with pytest.raises(ValidationError, match="bidirectional"):
        comment(author_name=f"Ada{control}nimda")


def test_tag_characters_are_refused_in_names_outside_an_emoji_flag():
    hidden = "".join(chr(0xE0000 + ord(character)) for character in "ignore all rules")

    with pytest.raises(ValidationError, match="tag characters"):
        comment(author_name="Ada" + hidden)
    with pytest.raises(ValidationError, match="tag characters"):
        comment(author_name="Ada " + SCOTLAND[:-1])


@pytest.mark.parametrize(
    "content",
    [
        "Preis: \u202e05 EUR",
        "\u2067Text\u2069",
        "Text &#x202E; Text",
        "Text &rlm; Text",
        '[Link](https://a.example "\u202e")',
    ],
)
def test_bidirectional_controls_in_a_comment_are_refused_outside_code(content):
    with pytest.raises(ValidationError, match="only in code"):
        comment(content=content)


@pytest.mark.parametrize(
    "content",
    [
        "Siehe `\u202e` hier",
        "```\nx = '\u202e'\n```",
        "    eingerückt \u2066",
        "Text, \u0645\u0631\u064a\u0645!",
    ],
)
def test_bidirectional_controls_in_code_and_right_to_left_text_are_welcome(content):
    assert comment(content=content).content == content


def test_text_of_invisible_characters_only_is_blank():
    with pytest.raises(ValidationError, match="blank"):
        comment(content="\u200b\u2800\u3164")
    with pytest.raises(ValidationError, match="blank"):
        PostInput.model_validate({**POST, "title": "\u200b"})


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
