from html.parser import HTMLParser

import pytest

from blog.content import EXCERPT_LENGTH, count_links, excerpt_of, render_comment, render_post

GERMAN = "Grüße aus Köln – „Zitat“ und ‚halbes Zitat‘, 10\u00a0km, Straße 😀"


def test_text_survives_rendering_byte_for_byte():
    assert GERMAN in render_comment(GERMAN)
    assert GERMAN in render_post(GERMAN)


def test_a_comments_line_breaks_are_kept():
    html = render_comment("erste Zeile\nzweite Zeile\n\nneuer Absatz")

    assert html == "<p>erste Zeile<br>\nzweite Zeile</p>\n<p>neuer Absatz</p>\n"


def test_links_get_nofollow_ugc():
    html = render_comment("siehe [hier](https://example.org/a) und <https://example.org/b>")

    assert html.count('rel="nofollow ugc"') == 2
    assert 'href="https://example.org/a"' in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[klick](javascript:alert(1))",
        '<a href="javascript:alert(1)">klick</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="background:url(x)" onclick="alert(1)">x</p>',
    ],
)
def test_no_script_survives_in_a_post_or_a_comment(attack):
    for html in (render_post(attack), render_comment(attack)):
        elements = _elements(html)
        assert not {"script", "iframe"} & {tag for tag, _ in elements}
        for _, attributes in elements:
            assert not any(name.startswith("on") or name == "style" for name in attributes)
            assert not attributes.get("href", "").lower().startswith("javascript:")


class _ElementCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _elements(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _ElementCollector()
    collector.feed(html)
    return collector.elements


def test_an_entity_written_as_code_stays_text():
    assert render_comment("`&nbsp;` heißt geschützt") == "<p><code>&amp;nbsp;</code> heißt geschützt</p>\n"


def test_raw_html_in_a_comment_is_shown_as_text():
    assert render_comment("<b>fett</b>") == "<p>&lt;b&gt;fett&lt;/b&gt;</p>\n"


def test_inline_html_in_a_post_is_kept_when_allowed():
    html = render_post('Text mit <abbr title="Verein">e.\u00a0V.</abbr> und <sup>2</sup>')

    assert '<abbr title="Verein">e.\u00a0V.</abbr>' in html
    assert "<sup>2</sup>" in html


def test_posts_may_have_headings_lists_and_quotes():
    html = render_post("## Abschnitt\n\n- eins\n- zwei\n\n> „Zitat“")

    assert "<h2>Abschnitt</h2>" in html
    assert "<li>eins</li>" in html
    assert "<blockquote>" in html


def links_in(markdown: str) -> int:
    return count_links(render_comment(markdown))


def test_count_links_counts_linked_and_bare_addresses():
    assert links_in("kein Link") == 0
    assert links_in("[a](https://a.example) http://b.example www.c.example") == 3


@pytest.mark.parametrize(
    "markdown",
    [
        "[a](//x.example)",
        "[a](https&#58;//x.example)",
        "[a](https\\://x.example)",
        "[a](HTTPS&colon;//x.example)",
        "[a](/pfad)",
        "<mailto:ada@example.org>",
        "<ada@example.org>",
    ],
)
def test_every_anchor_a_reader_can_click_is_a_link(markdown):
    assert links_in(markdown) == 1


@pytest.mark.parametrize(
    "markdown",
    ["https&#58;//x.example", "https\\://x.example", "`https://x.example`", "HTTPS&colon;//x.example"],
)
def test_an_address_shown_as_text_is_a_link(markdown):
    assert links_in(markdown) == 1


def test_an_address_that_is_its_own_link_text_counts_once():
    assert links_in("<https://x.example>") == 1


def test_what_the_sanitizer_removes_is_no_link():
    assert links_in("[a](javascript:alert(1)) [b](data:text/html,x) [c](vbscript:x)") == 0


def test_a_short_text_is_its_own_excerpt():
    assert excerpt_of(render_post("Kurz &amp; „gut“.")) == "Kurz & „gut“."


def test_a_long_excerpt_ends_at_a_word_with_an_ellipsis():
    excerpt = excerpt_of(render_post("Wort " * 100))

    assert excerpt.endswith("Wort…")
    assert len(excerpt) <= EXCERPT_LENGTH + 1
