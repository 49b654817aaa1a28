"""A post's sanitized HTML as text for a terminal: what a reader will see, without a browser."""

import textwrap
from html.parser import HTMLParser

WIDTH = 80
_BLOCKS = {
    "p",
    "div",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "tr",
}
_HEADING_MARKS = {"h1": "#", "h2": "##", "h3": "###", "h4": "####", "h5": "#####", "h6": "######"}


class _TextWriter(HTMLParser):
    """Blocks become paragraphs, headings and list items keep their Markdown marks, a link shows
    its address after its text, code keeps its lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []
        """Each paragraph, and whether it is a list item (items follow each other without a gap)."""
        self._line: list[str] = []
        self._prefix = ""
        self._quote_depth = 0
        self._lists: list[list[int]] = []
        self._links: list[str | None] = []
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._end_block()
        if tag == "blockquote":
            self._quote_depth += 1
        elif tag in ("ul", "ol"):
            self._lists.append([0] if tag == "ol" else [])
        elif tag == "li":
            numbering = self._lists[-1] if self._lists else []
            if numbering:
                numbering[0] += 1
                self._prefix = f"{numbering[0]}. "
            else:
                self._prefix = "- "
        elif tag in _HEADING_MARKS:
            self._prefix = _HEADING_MARKS[tag] + " "
        elif tag == "pre":
            self._in_pre = True
        elif tag == "br":
            self._line.append("\n")
        elif tag == "hr":
            self.blocks.append(("-" * 20, False))
        elif tag == "a":
            self._links.append(dict(attrs).get("href"))
        elif tag == "img":
            found = dict(attrs)
            self._line.append(f"[image: {found.get('alt') or found.get('src') or ''}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href = self._links.pop()
            text = "".join(self._line).rstrip()
            if href and not text.endswith(href):
                self._line.append(f" <{href}>")
        elif tag in _BLOCKS:
            self._end_block()
        if tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()
        elif tag == "pre":
            self._in_pre = False

    def handle_data(self, data: str) -> None:
        self._line.append(data)

    def _end_block(self) -> None:
        text = "".join(self._line)
        self._line = []
        quote = "> " * self._quote_depth
        if self._in_pre:
            lines = text.strip("\n").splitlines()
            if lines:
                self.blocks.append(("\n".join(f"{quote}    {line}" for line in lines), False))
        else:
            words = " ".join(text.split())
            if words:
                indent = " " * len(self._prefix)
                wrapped = textwrap.fill(
                    words,
                    width=WIDTH - len(quote),
                    initial_indent=self._prefix,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
                item = bool(self._prefix) and not self._prefix.startswith("#")
                self.blocks.append(("\n".join(quote + line for line in wrapped.splitlines()), item))
        self._prefix = ""

    def text(self) -> str:
        self._end_block()
        parts: list[str] = []
        previous_item = False
        for text, item in self.blocks:
            if parts:
                parts.append("\n" if item and previous_item else "\n\n")
            parts.append(text)
            previous_item = item
        return "".join(parts)


def html_as_text(html: str) -> str:
    """Sanitized HTML (a post's or a comment's `content_html`) as plain text for a terminal."""
    writer = _TextWriter()
    writer.feed(html)
    writer.close()
    return writer.text()
