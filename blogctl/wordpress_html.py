"""WordPress's HTML as the blog stores it: paragraphs as WordPress shows them, then the blog's sanitizer.

An operator's tool (blogctl import-wxr), not in the Lambda layer: no function renders WordPress text.
"""

import re
from functools import cache

from blog.content import sanitize_comment_html, sanitize_post_html


def render_wordpress_post(wordpress_html: str) -> str:
    """A WordPress post's HTML (as `content:encoded` holds it) as safe HTML, paragraphs as WordPress
    shows them."""
    return sanitize_post_html(_autop(wordpress_html))


def render_wordpress_comment(wordpress_html: str) -> str:
    """A WordPress comment's text as safe HTML, paragraphs and line breaks as WordPress shows them."""
    return sanitize_comment_html(_autop(wordpress_html))


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
_HTML_COMMENT = r"<!--.*?-->"
_PRE = rf"<pre(?:{_SPACE}|>).*?</pre>"
_TAG_WITH_NEWLINES = r"<[a-zA-Z/][^<>]*\n[^<>]*>"
_PARAGRAPH_BREAK = rf"\n{_SPACE}*\n"
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
    (rf"<p>{_SPACE}*(</?{_AUTOP_BLOCKS}[^>]*>){_SPACE}*</p>", "\\1"),
    (r"<p>(<li.+?)</p>", "\\1"),
    (r"<p><blockquote([^>]*)>", "<blockquote\\1><p>"),
    (r"</blockquote></p>", "</p></blockquote>"),
    (rf"<p>{_SPACE}*(</?{_AUTOP_BLOCKS}[^>]*>)", "\\1"),
    (rf"(</?{_AUTOP_BLOCKS}[^>]*>){_SPACE}*</p>", "\\1"),
    (rf"<br{_SPACE}*/?>", "<br />"),
    (rf"(?<!<br />){_SPACE}*\n", "<br />\n"),
    (rf"(</?{_AUTOP_BLOCKS}[^>]*>){_SPACE}*<br />", "\\1"),
    (rf"<br />({_SPACE}*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", "\\1"),
    (r"\n</p>$", "</p>"),
]


@cache
def _autop_rules() -> tuple[list[tuple[re.Pattern[str], str]], list[tuple[re.Pattern[str], str]]]:
    def compiled(rules: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
        return [(re.compile(pattern, re.IGNORECASE), replacement) for pattern, replacement in rules]

    return compiled(_AUTOP_BEFORE), compiled(_AUTOP_AFTER)


def _autop(text: str) -> str:
    # The block editor's content is HTML already, between comments that delimit its blocks;
    # WordPress does not run wpautop on it either.
    if _BLOCK_EDITOR in text:
        return re.sub(_HTML_COMMENT + r"\n?", "", text, flags=re.DOTALL).strip(_ASCII_SPACE) + "\n"
    # Comments (`<!--more-->`) are dropped by the sanitizer anyway; gone first, they leave no
    # empty paragraph behind.
    text = re.sub(_HTML_COMMENT, "", text.replace("\r\n", "\n").replace("\r", "\n"), flags=re.DOTALL)
    if not text.strip(_ASCII_SPACE):
        return ""
    kept: list[str] = []

    def keep(found: re.Match[str]) -> str:
        kept.append(found.group(0))
        return f"<pre wp-pre-tag-{len(kept) - 1}></pre>"

    before, after = _autop_rules()
    text = re.sub(_PRE, keep, text + "\n", flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(_TAG_WITH_NEWLINES, lambda found: found.group(0).replace("\n", " "), text)
    for pattern, replacement in before:
        text = pattern.sub(replacement, text)
    paragraphs = [part.strip("\n") for part in re.split(_PARAGRAPH_BREAK, text) if part.strip(_ASCII_SPACE)]
    text = "".join(f"<p>{paragraph}</p>\n" for paragraph in paragraphs)
    for pattern, replacement in after:
        text = pattern.sub(replacement, text)
    for number, block in enumerate(kept):
        text = text.replace(f"<pre wp-pre-tag-{number}></pre>", block)
    return text
