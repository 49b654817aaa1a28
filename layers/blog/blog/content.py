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
BIDI_CONTROLS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Characters that reorder the text around them (Trojan Source, CVE-2021-42574): a character class."""
_BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")
_CODE_TOKENS = {"code_inline", "code_block", "fence"}
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


def count_links(content_html: str) -> int:
    """How many links a rendered text shows: its anchors, and web addresses in its other text.

    Counted in the sanitized HTML, as a reader gets it: Markdown makes links of text no pattern
    over the source foresees (`//x.example`, `https&#58;//`, `https\\://`). An address that is
    only text is not clickable here but still advertised, and counts as well.
    """
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.anchors = 0
            self.open_anchors = 0
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self.open_anchors += 1
                self.anchors += any(name == "href" for name, _ in attrs)

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self.open_anchors:
                self.open_anchors -= 1

        def handle_data(self, data: str) -> None:
            if not self.open_anchors:
                self.text.append(data)

    links = Links()
    links.feed(content_html)
    links.close()
    return links.anchors + len(_LINK.findall("".join(links.text)))


def has_bidi_control_outside_code(markdown: str) -> bool:
    """Whether a comment's Markdown shows a bidirectional control outside code spans and blocks.

    Outside code it reorders what a reader sees around it (a name, a link text); in code it may be
    the point of the comment. Written as a character reference (`&#x202E;`) it counts as well: it
    renders as the character.
    """
    if "&" not in markdown and not _BIDI_CONTROL.search(markdown):
        return False
    pending = list(_comment_markdown().parse(markdown))
    while pending:
        token = pending.pop()
        if token.type in _CODE_TOKENS:
            continue
        if any(_BIDI_CONTROL.search(str(value)) for value in token.attrs.values()):
            return True
        if token.children is not None:
            # An inline token's own content is its source, code spans included: its children count.
            pending.extend(token.children)
        elif _BIDI_CONTROL.search(token.content):
            return True
    return False


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
