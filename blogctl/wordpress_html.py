"""WordPress's HTML as the blog stores it: paragraphs as WordPress shows them, then the blog's sanitizer.

An operator's tool (blogctl import-wxr), not in the Lambda layer: no function renders WordPress text.
"""

import re
from functools import cache

from blog.content import sanitize_comment_html, sanitize_post_html


def render_wordpress_post(wordpress_html: str) -> str:
    """A WordPress post's HTML (as `content:encoded` holds it) as safe HTML, paragraphs as WordPress
    shows them."""
    return sanitize_post_html(wordpress_paragraphs(wordpress_html))


def render_wordpress_comment(wordpress_html: str) -> str:
    """A WordPress comment's text as safe HTML, paragraphs and line breaks as WordPress shows them."""
    return sanitize_comment_html(wordpress_paragraphs(wordpress_html))


# WordPress stores classic-editor text with blank lines for paragraphs and adds the <p> and <br>
# tags when it shows it (wpautop, wp-includes/formatting.php). Its main steps, ported below:
# blocks get blank lines around them, blank lines make paragraphs, <p> around a block tag goes,
# single line breaks inside a paragraph become <br>, and <pre> is left alone. Whitespace is ASCII
# only, as in PHP's byte-wise regular expressions: a non-breaking space is text.
_AUTOP_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|"
    r"area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|"
    r"footer|nav|figure|figcaption|details|menu|summary)"
)
_ASCII_SPACE = " \t\n\r\f\v"
_SPACE = f"[{_ASCII_SPACE}]"
_BLOCK_EDITOR = "<!-- wp:"
_PRE_START = rf"<pre(?:{_SPACE}|>)"
_PRE_END = "</pre>"
_PRE_PLACEHOLDER = r"<pre wp-pre-tag-(\d+)></pre>"
_TAG_WITH_NEWLINES = r"<[a-zA-Z/][^<>]*\n[^<>]*>"
_PARAGRAPH_BREAK = rf"\n{_SPACE}*\n"
# Every rule runs in time linear in the text (a post may be 400 KB): a block tag's attributes are
# read up to the next `<` or `>` (`[^<>]*`, not `[^>]*`), so thousands of unclosed `<p` are each
# read once, not each to the end of the text.
_BLOCK_TAG = rf"</?{_AUTOP_BLOCKS}[^<>]*>"
_AUTOP_BEFORE = [
    (rf"<br{_SPACE}*/?>{_SPACE}*<br{_SPACE}*/?>", "\n\n"),
    (rf"(<{_AUTOP_BLOCKS}(?:{_SPACE}|/|>))", "\n\n\\1"),
    (rf"(</{_AUTOP_BLOCKS}>)", "\\1\n\n"),
    (rf"(<hr{_SPACE}*/?>)", "\\1\n\n"),
    (r"\n\n+", "\n\n"),
]
_AUTOP_AFTER = [
    (rf"<p>{_SPACE}*</p>", ""),
    (r"<p>([^<]+)</(div|address|form)>", "<p>\\1</p></\\2>"),
    (rf"<p>{_SPACE}*({_BLOCK_TAG}){_SPACE}*</p>", "\\1"),
    (r"<p>(<li.+?)</p>", "\\1"),
    (r"<p><blockquote([^>]*)>", "<blockquote\\1><p>"),
    (r"</blockquote></p>", "</p></blockquote>"),
    (rf"<p>{_SPACE}*({_BLOCK_TAG})", "\\1"),
    (rf"({_BLOCK_TAG}){_SPACE}*</p>", "\\1"),
    (rf"<br{_SPACE}*/?>", "<br />"),
]
_AUTOP_LAST = [
    (rf"({_BLOCK_TAG}){_SPACE}*<br />", "\\1"),
    (rf"<br />({_SPACE}*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", "\\1"),
    (r"\n</p>$", "</p>"),
]
_Rules = list[tuple[re.Pattern[str], str]]


@cache
def _autop_rules() -> tuple[_Rules, _Rules, _Rules]:
    def compiled(rules: list[tuple[str, str]]) -> _Rules:
        return [(re.compile(pattern, re.IGNORECASE), replacement) for pattern, replacement in rules]

    return compiled(_AUTOP_BEFORE), compiled(_AUTOP_AFTER), compiled(_AUTOP_LAST)


def _without_comments(text: str, *, with_newline_after: bool = False) -> str:
    """The text without its HTML comments (`<!-- ... -->`), optionally each with the newline after it.

    Read once from the start: an opening without an end ends the search, where a regular
    expression would read the rest of the text again from every later `<!--`.
    """
    parts: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        parts.append(text[position:start])
        position = end + 3
        if with_newline_after and text.startswith("\n", position):
            position += 1
    parts.append(text[position:])
    return "".join(parts)


def _pre_blocks(text: str) -> tuple[str, list[str]]:
    """The text with each `<pre>` block replaced by a placeholder, and the blocks, in order."""
    pre_start, pre_end = re.compile(_PRE_START, re.IGNORECASE), re.compile(_PRE_END, re.IGNORECASE)
    parts: list[str] = []
    kept: list[str] = []
    position = 0
    while (start := pre_start.search(text, position)) is not None:
        end = pre_end.search(text, start.end())
        if end is None:
            break
        parts.append(text[position : start.start()])
        parts.append(f"<pre wp-pre-tag-{len(kept)}></pre>")
        kept.append(text[start.start() : end.end()])
        position = end.end()
    parts.append(text[position:])
    return "".join(parts), kept


def _line_breaks(text: str) -> str:
    """Single newlines inside paragraphs as `<br />`: WordPress's `(?<!<br />)\\s*\\n` → `<br />\\n`,
    read once.

    The expression, tried at each place of a run of spaces without a newline, reads the run to its
    end each time; here each run of whitespace is read once, with the same result.
    """

    def replaced(run: re.Match[str]) -> str:
        spaces = run.group(0)
        # Right after `<br />` the expression cannot start; it starts one character later.
        skip = 1 if run.string.endswith("<br />", 0, run.start()) else 0
        last_newline = spaces.rfind("\n", skip)
        if last_newline == -1:
            return spaces
        return spaces[:skip] + "<br />\n" + spaces[last_newline + 1 :]

    return re.sub(rf"{_SPACE}+", replaced, text)


def wordpress_paragraphs(text: str) -> str:
    """WordPress's text with the paragraphs and line breaks WordPress adds when it shows it (wpautop),
    in time linear in its length; not yet sanitized."""
    # The block editor's content is HTML already, between comments that delimit its blocks;
    # WordPress does not run wpautop on it either.
    if _BLOCK_EDITOR in text:
        return _without_comments(text, with_newline_after=True).strip(_ASCII_SPACE) + "\n"
    # Comments (`<!--more-->`) are dropped by the sanitizer anyway; gone first, they leave no
    # empty paragraph behind.
    text = _without_comments(text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip(_ASCII_SPACE):
        return ""
    before, after, last = _autop_rules()
    text, kept = _pre_blocks(text + "\n")
    text = re.sub(_TAG_WITH_NEWLINES, lambda found: found.group(0).replace("\n", " "), text)
    for pattern, replacement in before:
        text = pattern.sub(replacement, text)
    paragraphs = [part.strip("\n") for part in re.split(_PARAGRAPH_BREAK, text) if part.strip(_ASCII_SPACE)]
    text = "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)
    for pattern, replacement in after:
        text = pattern.sub(replacement, text)
    text = _line_breaks(text)
    for pattern, replacement in last:
        text = pattern.sub(replacement, text)
    return re.sub(_PRE_PLACEHOLDER, lambda found: kept[int(found.group(1))], text)
