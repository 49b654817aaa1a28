"""WordPress HTML through the blog's sanitizer, with paragraphs as WordPress shows them (wpautop)."""

import pytest

from blog.content import plain_text
from blogctl.wordpress_html import render_wordpress_comment, render_wordpress_post

NBSP = "\u00a0"


def test_blank_lines_make_paragraphs_and_single_line_breaks_stay():
    html = render_wordpress_post("Erster Absatz,\nzweite Zeile.\n\nZweiter Absatz.")

    assert html == "<p>Erster Absatz,<br>\nzweite Zeile.</p>\n<p>Zweiter Absatz.</p>\n"


def test_text_survives_byte_for_byte_and_entities_become_characters():
    html = render_wordpress_post(f"„Grüße“ – 10{NBSP}km &amp; 5&nbsp;Uhr, &#8222;Zitat&#8220; 😀")

    assert html == f"<p>„Grüße“ – 10{NBSP}km &amp; 5{NBSP}Uhr, „Zitat“ 😀</p>\n"


def test_blocks_are_not_wrapped_in_paragraphs():
    html = render_wordpress_post(
        "<h2>Titel</h2>\nText danach\n\n<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>\n\nEnde"
    )

    assert (
        html == "<h2>Titel</h2>\n<p>Text danach</p>\n<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>\n<p>Ende</p>\n"
    )


def test_a_quote_gets_its_paragraph_inside():
    html = render_wordpress_post("<blockquote>„Zitat“\nzweite Zeile</blockquote>\nDanach")

    assert html == "<blockquote><p>„Zitat“<br>\nzweite Zeile</p></blockquote>\n<p>Danach</p>\n"


def test_preformatted_text_keeps_its_blank_lines():
    html = render_wordpress_post("Vor\n\n<pre>code\n\n  eingerückt</pre>\n\nnach")

    assert html == "<p>Vor</p>\n<pre>code\n\n  eingerückt</pre>\n<p>nach</p>\n"


def test_the_more_tag_leaves_no_empty_paragraph():
    assert render_wordpress_post("Anfang\n\n<!--more-->\n\nRest") == "<p>Anfang</p>\n<p>Rest</p>\n"


def test_block_editor_content_is_kept_as_it_is_without_its_delimiters():
    content = (
        "<!-- wp:paragraph -->\n<p>Absatz</p>\n<!-- /wp:paragraph -->\n\n"
        "<!-- wp:list -->\n<ul><li>A</li><li>B</li></ul>\n<!-- /wp:list -->"
    )

    assert render_wordpress_post(content) == "<p>Absatz</p>\n\n<ul><li>A</li><li>B</li></ul>\n"


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">klick</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="background:url(x)" onclick="alert(1)">x</p>',
    ],
)
def test_no_script_survives(attack):
    for html in (render_wordpress_post(attack), render_wordpress_comment(attack)):
        for dangerous in ("<script", "onerror", "javascript:", "<iframe", "onclick", "style="):
            assert dangerous not in html


def test_links_get_nofollow_ugc():
    html = render_wordpress_comment('Siehe <a href="https://example.org">hier</a>.')

    assert html == '<p>Siehe <a href="https://example.org" rel="nofollow ugc">hier</a>.</p>\n'


def test_comments_keep_only_the_comment_tags():
    html = render_wordpress_comment(
        '<h2>Laut</h2>\n<img src="https://example.org/a.png">Text <em>betont</em>'
    )

    assert "<h2>" not in html
    assert "<img" not in html
    assert "<em>betont</em>" in html


def test_plain_text_of_titles_and_names():
    assert plain_text("Kooperation &amp; Netzwerke") == "Kooperation & Netzwerke"
    assert plain_text("<em>Neu:</em> &#8222;Treff&#8220;") == "Neu: „Treff“"
    assert plain_text(f"  A{NBSP}B \n C ") == f"A{NBSP}B C"
    assert plain_text("<ul><li>eins</li><li>zwei</li></ul>") == "eins zwei"
