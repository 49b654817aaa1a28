"""A hostile WordPress export: document types, invisible and terminal control characters, text
built to make the paragraph converter slow, and files built to fill memory (issue 11)."""

import io
import json
import subprocess
import sys
import tracemalloc

import pytest

from blogctl.api import BlogApi
from blogctl.cli import main
from blogctl.wxr import WxrError, WxrReader
from tests.blogctl.test_wordpress import comment, item, units, wxr

CONTROLS = "\x7f\x85\x9b\u061c\u200e\u200f\u202a\u202e\u2066\u2069"
"""One of each kind that goes and XML can hold (no C0 but tab and line breaks): DEL, C1 (NEL, CSI),
the bidi marks, embeddings, overrides and isolates."""


def with_doctype(document: bytes, doctype: bytes) -> bytes:
    declaration, rest = document.split(b"?>", 1)
    return declaration + b"?>" + doctype + rest


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE rss [<!ENTITY name "Hanne">]>',
        b'<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        b'<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE rss SYSTEM "https://evil.example/wxr.dtd">',
    ],
)
def test_a_document_type_is_refused_whatever_it_declares(doctype):
    document = with_doctype(wxr(item(1)), doctype)

    with pytest.raises(WxrError, match=r"refused: the file declares a document type \(DTD\)"):
        units(document)


def test_control_and_bidi_characters_leave_every_imported_text():
    document = wxr(
        item(
            1,
            comment(1, comment_author=f"Eve{CONTROLS}", comment_content=f"Hallo{CONTROLS} Welt"),
            title=f"Grüße{CONTROLS} aus Köln",
            content=f"Erster{CONTROLS} Absatz\n\nZweiter\tAbsatz",
        )
    ).replace(b"Hanne K", f"Hanne{CONTROLS} K".encode())

    [unit], _ = units(document)

    post, [reply] = unit.post, unit.comments
    assert (post.title, post.author) == ("Grüße aus Köln", "Hanne Köhler")
    assert post.content == "Erster Absatz\n\nZweiter\tAbsatz"
    assert post.content_html == "<p>Erster Absatz</p>\n<p>Zweiter\tAbsatz</p>\n"
    assert (reply.author_name, reply.content) == ("Eve", "Hallo Welt")


def test_letters_and_joiners_that_real_names_need_stay():
    name = "Ada 👩‍💻 Lovelace, أحمد, 日本"  # a zero-width joiner inside the emoji

    [unit], _ = units(wxr(item(1, comment(1, comment_author=name), title=name)))

    assert unit.post.title == name
    assert unit.comments[0].author_name == name


def peak_memory_reading(document: bytes) -> int:
    tracemalloc.start()
    try:
        for _ in WxrReader(io.BytesIO(document), "test.xml"):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "filler",
    [
        # Elements beside the channel, under the root.
        lambda count: wxr(item(1)).replace(b"<channel>", b"<junk><x>y</x></junk>" * count + b"<channel>"),
        # Elements inside an item's field, which nothing reads.
        lambda count: wxr(item(1)).replace(
            b"<wp:post_id>", b"<wp:meta>" + b"<x>y</x>" * count + b"</wp:meta><wp:post_id>"
        ),
        # Many items.
        lambda count: wxr(*(item(number) for number in range(1, count // 20))),
    ],
)
def test_reading_holds_one_item_not_the_file(filler):
    small, large = peak_memory_reading(filler(10_000)), peak_memory_reading(filler(40_000))

    # Four times the file, about the same memory: what was read is let go as the file streams.
    assert large < 1.5 * small


SLOW_SHAPES = {
    "a run of spaces": "a" + " " * 400_000 + "b",
    "unclosed block tags": "<p" * 200_000,
    "unclosed tags with text": "x<div" * 80_000,
    "unclosed comments": "<!--" * 100_000,
    "unclosed comments of the block editor": "<!-- wp:" + "<!--" * 100_000,
    "unclosed pre blocks": "<pre>" * 80_000,
    "many pre blocks": "<pre>x</pre>\n" * 30_000,
}


@pytest.mark.parametrize("shape", SLOW_SHAPES)
def test_the_paragraph_converter_takes_a_400_kb_post_in_linear_time(shape):
    # The quadratic converter took from a minute to a quarter of an hour for each of these; a linear
    # one takes a few hundredths of a second. The limit lies orders of magnitude from both, so the
    # machine's speed does not decide; a child process is stopped at the limit, a regex is not.
    program = (
        "import sys; from tests.blogctl.test_wordpress_hostile import SLOW_SHAPES; "
        "from blogctl.wordpress_html import wordpress_paragraphs; "
        "wordpress_paragraphs(SLOW_SHAPES[sys.argv[1]])"
    )

    finished = subprocess.run([sys.executable, "-c", program, shape], timeout=20, check=False)  # noqa: S603

    assert finished.returncode == 0


HOSTILE_TITLE = "\x1b[2J\x1b[H\u009b31mRot\u202eLtxet"


@pytest.fixture
def hostile_posts(monkeypatch):
    posts = [
        {
            "published_at": "2024-05-01T08:00:00Z",
            "slug": "beitrag",
            "comment_count": 0,
            "comments_open": True,
            "title": HOSTILE_TITLE,
        }
    ]
    monkeypatch.setattr(BlogApi, "all_pages", lambda *_, **__: posts)


@pytest.mark.parametrize("output", [[], ["--json"]])
def test_blogctl_shows_control_characters_instead_of_obeying_them(hostile_posts, capsys, output):
    assert main(["--local", *output, "list"]) == 0

    shown = capsys.readouterr().out
    assert not {"\x1b", "\x9b", "\u202e"} & set(shown)
    assert "\\u001b[2J\\u001b[H\\u009b31mRot\\u202eLtxet" in shown
    if output:
        assert json.loads(shown)[0]["title"] == HOSTILE_TITLE


def test_blogctl_errors_show_control_characters_too(capsys, tmp_path):
    missing = tmp_path / "\x1b[2Jexport.xml"

    assert main(["--table", "blog", "import-wxr", "--dry-run", str(missing)]) == 1

    error = capsys.readouterr().err
    assert "\x1b" not in error
    assert "\\u001b[2Jexport.xml: No such file or directory" in error
