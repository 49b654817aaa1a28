"""Content rendering: Markdown to HTML, then an allow-list sanitizer.

Rendering happens once, on write; reads return the stored HTML. Text is never rewritten on the
way (no typographer, no Unicode normalization), so umlauts, typographic quotes, dashes, non-breaking
spaces and emoji come back byte for byte.
"""

import html
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# markdown_it and nh3 are imported where they are used: most functions only count links (rules) or
# never render, and import time is cold-start time.
EXCERPT_LENGTH = 200
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
# ASCII whitespace only: a non-breaking space in the text is meant and stays.
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_LINE_END = r"</(?:p|li|h[1-6]|blockquote|pre|td|th|dt|dd|figcaption)>|<br[ \t\n\r\f\v]*/?>"
_LINK_REL = "nofollow ugc"
_URL_SCHEMES = {"http", "https", "mailto"}

_COMMENT_TAGS = {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li"}
_POST_TAGS = _COMMENT_TAGS | {
    "h2", "h3", "h4", "h5", "h6", "hr", "img", "figure", "figcaption", "del", "ins", "sub", "sup",
    "abbr", "cite", "q", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


@cache
def _comment_markdown() -> "MarkdownIt":
    from markdown_it import MarkdownIt

    # A reader's line breaks stay line breaks, as in WordPress and Isso; raw HTML is shown as text.
    return MarkdownIt("commonmark", {"breaks": True, "html": False})


@cache
def _post_markdown() -> "MarkdownIt":
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def _sanitize(rendered: str, tags: set[str]) -> str:
    import nh3

    # The serializer writes U+00A0 as `&nbsp;`; it goes back to the character so that text stays
    # byte for byte (a typed "&nbsp;" was escaped to "&amp;nbsp;" and is not touched).
    return nh3.clean(
        rendered,
        tags=tags,
        attributes={tag: attrs for tag, attrs in _ATTRIBUTES.items() if tag in tags},
        link_rel=_LINK_REL,
        url_schemes=_URL_SCHEMES,
        strip_comments=True,
    ).replace("&nbsp;", "\u00a0")


def render_comment(markdown: str) -> str:
    """A comment's Markdown as safe HTML."""
    return _sanitize(_comment_markdown().render(markdown), _COMMENT_TAGS)


def render_post(markdown: str) -> str:
    """A post's Markdown (inline HTML allowed) as safe HTML."""
    return _sanitize(_post_markdown().render(markdown), _POST_TAGS)


def sanitize_post_html(post_html: str) -> str:
    """A post's HTML with only the tags and attributes a post may have, as `render_post` leaves it."""
    return _sanitize(post_html, _POST_TAGS)


def sanitize_comment_html(comment_html: str) -> str:
    """A comment's HTML with only the tags and attributes a comment may have, as `render_comment`
    leaves it."""
    return _sanitize(comment_html, _COMMENT_TAGS)


def count_links(markdown: str) -> int:
    """How many web addresses a text holds, linked or not."""
    return len(_LINK.findall(markdown))


def plain_text(fragment: str) -> str:
    """An HTML fragment as one line of plain text: tags dropped, entities resolved, runs of ASCII
    whitespace made one space (a non-breaking space stays)."""
    import nh3

    # Where a block or a line ends, words part, even without whitespace in the HTML (`</li><li>`).
    spaced = re.sub(_LINE_END, "\\g<0> ", fragment, flags=re.IGNORECASE)
    return _WHITESPACE.sub(" ", html.unescape(nh3.clean(spaced, tags=set()))).strip()


def excerpt_of(content_html: str) -> str:
    """The first words of a rendered text, about `EXCERPT_LENGTH` characters, as plain text."""
    text = plain_text(content_html)
    if len(text) <= EXCERPT_LENGTH:
        return text
    cut = text[:EXCERPT_LENGTH]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–-") + "…"
