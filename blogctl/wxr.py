"""Reading a WordPress export (WXR, "WordPress eXtended RSS", versions 1.0 to 1.2) as a stream.

A WXR file is an RSS channel: the blog's authors (`wp:author`), its terms, then one `item` per post,
page, attachment and so on, each with its comments (`wp:comment`) inside. `read_wxr` yields the
authors and then the items one at a time, and drops each element once read (its children cleared,
itself removed from its parent), so a file of any size is never held in memory whole: only the item
being read.

The file comes from outside (an export of another site, perhaps passed on): it is parsed with
defusedxml, which refuses a document type declaration (DTD) and so every entity expansion and
external reference, whatever expat the machine has; WordPress never writes a DTD. Control
characters (C0 but tab and line breaks, C1) and bidirectional controls are dropped from every
text, so a title cannot move a terminal's cursor or reorder what a reader sees.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

if TYPE_CHECKING:
    from _typeshed import SupportsRead

# WordPress writes http://, WordPress.com https://; a prefix is whatever the file binds (wp, excerpt,
# or another name): elements are known by their namespace's URI.
_WORDPRESS_NAMESPACE = re.compile(
    r"^https?://wordpress\.org/export/(?P<version>\d+\.\d+)/?(?P<excerpt>excerpt/?)?$"
)
_NAMESPACES = {
    "purl.org/rss/1.0/modules/content": "content",
    "purl.org/dc/elements/1.1": "dc",
}
_SCHEME = re.compile(r"^https?://")
_BYTE_ORDER_MARK = b"\xef\xbb\xbf"
_LEADING_SPACE = b" \t\r\n"
_NO_DATE = "0000-00-00 00:00:00"
# WXR 1.0 (WordPress 2.x) names a post's tags `tag`, later versions `post_tag`; 1.0 also writes each
# term twice (with and without a nicename), which the import's deduplication takes as one.
_TAG_DOMAINS = {"post_tag", "tag"}
_INVISIBLE_CONTROLS = dict.fromkeys(
    [
        *(code for code in range(0x20) if chr(code) not in "\t\n\r"),
        *range(0x7F, 0xA0),  # DEL and the C1 controls (U+009B is a terminal's CSI)
        0x061C,  # Arabic letter mark
        0x200E, 0x200F,  # left-to-right and right-to-left marks
        *range(0x202A, 0x202F),  # embeddings and overrides (U+202E)
        *range(0x2066, 0x206A),  # isolates
    ]
)  # fmt: skip


def visible_text(text: str) -> str:
    """`text` without control characters (tab and line breaks stay) and bidirectional controls."""
    return text.translate(_INVISIBLE_CONTROLS)


class WxrError(ValueError):
    """The file is not a WordPress export this can read."""


@dataclass(frozen=True)
class WxrAuthor:
    """An author of the blog: the login posts name (`dc:creator`) and the name readers see."""

    login: str
    display_name: str


@dataclass(frozen=True)
class WxrComment:
    """A comment as WordPress exports it; text fields as they are in the file."""

    number: int
    author: str
    author_email: str
    author_url: str
    date_gmt: datetime | None
    date: datetime | None
    """The blog's local time, which WordPress keeps beside UTC; read as if it were UTC."""
    content: str
    approved: str
    """`1`, `0`, `spam`, `trash` or `post-trashed`."""
    kind: str
    """`wp:comment_type`: empty or `comment` for a comment, `pingback`, `trackback`, ..."""
    parent: int
    """The number of the comment this one answers, 0 for none."""


@dataclass(frozen=True)
class WxrItem:
    """An `item` of the channel: a post, a page, an attachment, ... with its comments."""

    number: int
    post_type: str
    status: str
    title: str
    name: str
    """`wp:post_name`, the slug; often empty for drafts."""
    content: str
    excerpt: str
    creator: str
    date_gmt: datetime | None
    date: datetime | None
    modified_gmt: datetime | None
    comment_status: str
    attachment_url: str = ""
    """`wp:attachment_url`: where an attachment's file is on the old site."""
    password: str = ""
    """`wp:post_password`: a post only readers with the password may see."""
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    comments: list[WxrComment] = field(default_factory=list)


def _wordpress_date(text: str) -> datetime | None:
    text = text.strip()
    if not text or text == _NO_DATE:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _rss_date(text: str) -> datetime | None:
    """An RSS date (RFC 822: `Thu, 04 Dec 2025 10:00:00 +0000`) in UTC, None when it is not one."""
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(text: str) -> int:
    text = text.strip()
    return int(text) if text.isdigit() else 0


class _Names:
    """Element names as `prefix:local`, whichever namespace URI of WXR 1.0-1.2 the file uses."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}
        self.version: str | None = None

    def __call__(self, tag: str) -> str:
        name = self._known.get(tag)
        if name is None:
            name = self._known[tag] = self._resolve(tag)
        return name

    def _resolve(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        uri, _, local = tag[1:].partition("}")
        wordpress = _WORDPRESS_NAMESPACE.match(uri)
        if wordpress is not None:
            self.version = self.version or wordpress["version"]
            return f"{'excerpt' if wordpress['excerpt'] else 'wp'}:{local}"
        prefix = _NAMESPACES.get(_SCHEME.sub("", uri).rstrip("/"))
        return f"{prefix}:{local}" if prefix else tag


def _text(element: Element) -> str:
    return visible_text(element.text or "")


def _texts(element: Element, names: _Names) -> dict[str, str]:
    return {names(child.tag): _text(child) for child in element}


def _comment(element: Element, names: _Names) -> WxrComment:
    fields = _texts(element, names)
    return WxrComment(
        number=_number(fields.get("wp:comment_id", "")),
        author=fields.get("wp:comment_author", ""),
        author_email=fields.get("wp:comment_author_email", "").strip(),
        author_url=fields.get("wp:comment_author_url", "").strip(),
        date_gmt=_wordpress_date(fields.get("wp:comment_date_gmt", "")),
        date=_wordpress_date(fields.get("wp:comment_date", "")),
        content=fields.get("wp:comment_content", ""),
        approved=fields.get("wp:comment_approved", "").strip(),
        kind=fields.get("wp:comment_type", "").strip(),
        parent=_number(fields.get("wp:comment_parent", "")),
    )


def _item(element: Element, names: _Names) -> WxrItem:
    fields: dict[str, str] = {}
    categories: list[str] = []
    tags: list[str] = []
    comments: list[WxrComment] = []
    for child in element:
        name = names(child.tag)
        if name == "wp:comment":
            comments.append(_comment(child, names))
        elif name == "category":
            domain = child.get("domain")
            if domain == "category":
                categories.append(_text(child))
            elif domain in _TAG_DOMAINS:
                tags.append(_text(child))
        else:
            fields[name] = _text(child)
    return WxrItem(
        number=_number(fields.get("wp:post_id", "")),
        post_type=fields.get("wp:post_type", "").strip(),
        status=fields.get("wp:status", "").strip(),
        title=fields.get("title", ""),
        name=fields.get("wp:post_name", "").strip(),
        content=fields.get("content:encoded", ""),
        excerpt=fields.get("excerpt:encoded", ""),
        creator=fields.get("dc:creator", "").strip(),
        date_gmt=_wordpress_date(fields.get("wp:post_date_gmt", "")),
        date=_wordpress_date(fields.get("wp:post_date", "")),
        modified_gmt=_wordpress_date(fields.get("wp:post_modified_gmt", "")),
        comment_status=fields.get("wp:comment_status", "").strip(),
        attachment_url=fields.get("wp:attachment_url", "").strip(),
        password=fields.get("wp:post_password", ""),
        categories=categories,
        tags=tags,
        comments=comments,
    )


class _FromFirstMarkup:
    """A file read from its first `<` on: a theme or plugin that prints blank lines before the
    export (often a PHP file's closing `?>` and a newline) leaves whitespace before the XML
    declaration, which XML does not allow and WordPress's importer takes; a byte order mark stays."""

    def __init__(self, source: "SupportsRead[bytes]") -> None:
        self._source = source
        self._started = False
        self.skipped_lines = 0

    def read(self, size: int = -1, /) -> bytes:
        if self._started:
            return self._source.read(size)
        mark = b""
        while True:
            chunk = self._source.read(size)
            if not chunk:
                return mark
            if not mark and not self.skipped_lines and chunk.startswith(_BYTE_ORDER_MARK):
                mark, chunk = _BYTE_ORDER_MARK, chunk[len(_BYTE_ORDER_MARK) :]
            text = chunk.lstrip(_LEADING_SPACE)
            self.skipped_lines += chunk[: len(chunk) - len(text)].count(b"\n")
            if text:
                self._started = True
                return mark + text


class WxrReader:
    """The authors and items of a WXR file, read as a stream; `version` once the file named it,
    `exported_at` once the channel gave its date (`pubDate`)."""

    def __init__(self, source: "SupportsRead[bytes]", name: str) -> None:
        self._source = source
        self._name = name
        self._names = _Names()
        self.exported_at: datetime | None = None

    @property
    def version(self) -> str | None:
        return self._names.version

    def __iter__(self) -> Iterator[WxrAuthor | WxrItem]:
        # The elements open around the one being read: the root (`rss`), the channel, an item, a
        # field of the item or a comment, a field of the comment.
        open_elements: list[Element] = []
        source = _FromFirstMarkup(self._source)
        try:
            events = iterparse(source, events=("start", "end"), forbid_dtd=True)
            for event, element in events:
                if event == "start":
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if len(open_elements) == 2:
                    # A child of the channel, read whole here.
                    entry = self._entry(element)
                    if entry is not None:
                        yield entry
                elif self._read_with_item(open_elements):
                    continue
                # Read, or never to be read: gone. Siblings go in order, so it is the first child.
                element.clear()
                if open_elements:
                    open_elements[-1].remove(element)
        except ParseError as error:
            line, column = error.position
            # expat's message is "<what>: line L, column C"; the place is told in full here.
            what = str(error).split(":", 1)[0]
            line += source.skipped_lines
            raise WxrError(
                f"{self._name}: not well-formed XML at line {line}, column {column + 1}: {what}"
            ) from error
        except DefusedXmlException as error:
            raise WxrError(
                f"{self._name}: refused: the file declares a document type (DTD), which a WordPress "
                "export never has; DTDs can expand entities without end or read other files"
            ) from error

    def _read_with_item(self, ancestors: list[Element]) -> bool:
        """Whether an element is read when its item ends: a field of an item or of a comment."""
        return len(ancestors) == 3 or (len(ancestors) == 4 and self._names(ancestors[-1].tag) == "wp:comment")

    def _entry(self, element: Element) -> WxrAuthor | WxrItem | None:
        name = self._names(element.tag)
        if name == "wp:author":
            fields = _texts(element, self._names)
            return WxrAuthor(
                login=fields.get("wp:author_login", "").strip(),
                display_name=fields.get("wp:author_display_name", ""),
            )
        if name == "pubDate":
            self.exported_at = _rss_date(_text(element))
            return None
        if name == "item":
            item = _item(element, self._names)
            if self.version is None:
                raise WxrError(f"{self._name}: not a WordPress export (no WXR namespace)")
            return item
        return None
