"""Reading a WordPress export (WXR, "WordPress eXtended RSS", versions 1.0 to 1.2) as a stream.

A WXR file is an RSS channel: the blog's authors (`wp:author`), its terms, then one `item` per post,
page, attachment and so on, each with its comments (`wp:comment`) inside. `read_wxr` yields the
authors and then the items one at a time, and clears each element once read, so a file of any size
is never held in memory whole: only the item being read.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError, iterparse

if TYPE_CHECKING:
    from _typeshed import SupportsRead

_WORDPRESS_NAMESPACE = re.compile(
    r"^http://wordpress\.org/export/(?P<version>\d+\.\d+)/(?P<excerpt>excerpt/)?$"
)
_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
_NO_DATE = "0000-00-00 00:00:00"


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
        prefix = _NAMESPACES.get(uri)
        return f"{prefix}:{local}" if prefix else tag


def _texts(element: Element, names: _Names) -> dict[str, str]:
    return {names(child.tag): child.text or "" for child in element}


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
                categories.append(child.text or "")
            elif domain == "post_tag":
                tags.append(child.text or "")
        else:
            fields[name] = child.text or ""
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
        password=fields.get("wp:post_password", ""),
        categories=categories,
        tags=tags,
        comments=comments,
    )


class WxrReader:
    """The authors and items of a WXR file, read as a stream; `version` once the file named it."""

    def __init__(self, source: "SupportsRead[bytes]", name: str) -> None:
        self._source = source
        self._name = name
        self._names = _Names()

    @property
    def version(self) -> str | None:
        return self._names.version

    def __iter__(self) -> Iterator[WxrAuthor | WxrItem]:
        depth = 0
        channel: Element | None = None
        try:
            # The operator's own export; expat (2.4.1 and later, as Python 3.11+ ships) caps entity
            # expansion, and ElementTree never fetches external entities.
            events = iterparse(self._source, events=("start", "end"))  # noqa: S314
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 2:
                        channel = element
                    continue
                depth -= 1
                if depth != 2 or channel is None:
                    continue
                # A child of the channel is read whole here; then the channel forgets it.
                name = self._names(element.tag)
                if name == "wp:author":
                    fields = _texts(element, self._names)
                    yield WxrAuthor(
                        login=fields.get("wp:author_login", "").strip(),
                        display_name=fields.get("wp:author_display_name", ""),
                    )
                elif name == "item":
                    item = _item(element, self._names)
                    if self.version is None:
                        raise WxrError(f"{self._name}: not a WordPress export (no WXR namespace)")
                    yield item
                channel.clear()
        except ParseError as error:
            line, column = error.position
            # expat's message is "<what>: line L, column C"; the place is told in full here.
            what = str(error).split(":", 1)[0]
            raise WxrError(
                f"{self._name}: not well-formed XML at line {line}, column {column + 1}: {what}"
            ) from error
