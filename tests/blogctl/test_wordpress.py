"""Reading a WordPress export: the WXR parser, slugs, comment ids and threads, and what is skipped."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from blog.ids import MAX_DEPTH, depth_of, imported_comment_id, is_comment_id, parent_of
from blog.models import CommentStatus, is_slug
from blogctl.wordpress import (
    ANONYMOUS,
    ImportSummary,
    PostUnit,
    Slugs,
    UrlRewrite,
    media_in,
    slug_from_title,
    wordpress_posts,
)
from blogctl.wxr import WxrError, WxrItem

DATA = Path(__file__).parents[1] / "data" / "wordpress-export.xml"
WXR_NAMESPACES = """xmlns:excerpt="http://wordpress.org/export/{v}/excerpt/"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:wp="http://wordpress.org/export/{v}/\""""


def comment(
    number: int, *, parent: int = 0, approved: str = "1", kind: str = "comment", **fields: str
) -> str:
    values = {
        "comment_author": "Ada",
        "comment_author_email": "ada@example.org",
        "comment_author_url": "https://ada.example",
        "comment_date_gmt": f"2024-05-0{1 + number % 9} 10:00:{number % 60:02d}",
        "comment_content": f"Kommentar {number}",
        **fields,
    }
    inner = "".join(f"<wp:{name}><![CDATA[{value}]]></wp:{name}>" for name, value in values.items())
    return (
        f"<wp:comment><wp:comment_id>{number}</wp:comment_id>{inner}"
        f"<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )


def item(number: int, *comments: str, title: str = "Beitrag", content: str = "Text", **fields: str) -> str:
    values = {
        "post_type": "post",
        "status": "publish",
        "post_name": f"beitrag-{number}",
        "post_date_gmt": "2024-05-01 08:00:00",
        "comment_status": "open",
        **fields,
    }
    inner = "".join(f"<wp:{name}><![CDATA[{value}]]></wp:{name}>" for name, value in values.items())
    return (
        f"<item><title><![CDATA[{title}]]></title><dc:creator>hanne</dc:creator>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded><wp:post_id>{number}</wp:post_id>"
        f"{inner}{''.join(comments)}</item>"
    )


def wxr(*items: str, version: str = "1.2") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {WXR_NAMESPACES.format(v=version)}>'
        f"<channel><title>Blog</title><wp:wxr_version>{version}</wp:wxr_version>"
        "<wp:author><wp:author_login>hanne</wp:author_login>"
        "<wp:author_display_name><![CDATA[Hanne Köhler]]></wp:author_display_name></wp:author>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def units(document: bytes) -> tuple[list[PostUnit], ImportSummary]:
    summary = ImportSummary(source="test.xml", dry_run=True)
    return list(wordpress_posts(io.BytesIO(document), "test.xml", summary)), summary


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Grüße aus Köln", "gruesse-aus-koeln"),
        ("Äpfel, Öl & Übermut", "aepfel-oel-uebermut"),
        ("Die Straße – „neu“ gepflastert", "die-strasse-neu-gepflastert"),
        ("STRAẞENFEST 2025", "strassenfest-2025"),
        ("Gru\u0308ße vom Mac", "gruesse-vom-mac"),  # ü as u and a combining diaeresis
        ("Café crème à la carte", "cafe-creme-a-la-carte"),
        ("Peter’s Laden & Anna's Café", "peters-laden-annas-cafe"),
        ("10\u00a0km laufen!", "10-km-laufen"),
        ("😀 🎉", ""),
    ],
)
def test_slugs_from_titles_are_german_aware(title, slug):
    assert slug_from_title(title) == slug


def test_a_long_title_makes_a_slug_cut_at_a_word():
    slug = slug_from_title("Überlänge " * 30)

    assert is_slug(slug)
    assert len(slug) <= 100
    assert slug.endswith("ueberlaenge")


def wxr_item(number: int, *, name: str = "", title: str = "Grüße") -> WxrItem:
    return WxrItem(
        number=number,
        post_type="post",
        status="publish",
        title=title,
        name=name,
        content="",
        excerpt="",
        creator="",
        date_gmt=None,
        date=None,
        modified_gmt=None,
        comment_status="open",
    )


def test_slugs_are_stable_and_unique():
    def claim_all() -> list[str | None]:
        slugs = Slugs(reserved={"gruesse", "fuer-alle", "sommerfest"})
        return [
            slugs.claim(wxr_item(1, name="gruesse"), "Grüße")[0],
            slugs.claim(wxr_item(2), "Grüße")[0],
            slugs.claim(wxr_item(3, name="f%c3%bcr-alle"), "Für alle")[0],
            slugs.claim(wxr_item(4), "")[0],
            # A draft before the published post whose WordPress slug its title would make.
            slugs.claim(wxr_item(5), "Sommerfest")[0],
            slugs.claim(wxr_item(6, name="sommerfest"), "Sommerfest")[0],
            slugs.claim(wxr_item(2), "Grüße")[0],
        ]

    assert claim_all() == ["gruesse", "gruesse-2", "fuer-alle", "post-4", "sommerfest-5", "sommerfest", None]
    assert claim_all() == claim_all()


def test_a_draft_never_takes_a_published_posts_slug_wherever_it_comes_in_the_file():
    found, summary = units(
        wxr(
            item(1, title="Sommerfest", post_name="", status="draft"),
            item(2, title="Sommerfest", post_name="sommerfest"),
        )
    )

    assert [unit.post.slug for unit in found] == ["sommerfest-1", "sommerfest"]
    assert summary.notes == ["sommerfest-1: the slug 'sommerfest' is another post's in the file"]


def test_imported_comment_ids_are_time_sortable_and_repeat():
    earlier = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    later = datetime(2024, 5, 1, 10, 0, 1, tzinfo=UTC)
    first = imported_comment_id(None, earlier, 99)
    reply = imported_comment_id(first, later, 100)

    assert first == imported_comment_id(None, earlier, 99)
    assert first != imported_comment_id(None, earlier, 98)
    assert first < imported_comment_id(None, later, 1)
    assert reply.startswith(first + ".")
    assert parent_of(reply) == first
    assert is_comment_id(first)
    assert is_comment_id(reply)


def test_the_test_export_reads_as_wordpress_has_it():
    with DATA.open("rb") as source:
        summary = ImportSummary(source=str(DATA), dry_run=True)
        posts = {unit.post.slug: unit for unit in wordpress_posts(source, str(DATA), summary)}

    assert summary.version == "1.2"
    assert set(posts) == {
        "tauschboerse-im-gemeindehaus",
        "rueckblick-strassenfest-muehlgasse",
        "groessere-raeume-fuer-die-lernwerkstatt-ab-maerz",  # no post_name: from the title
        "oeffnungszeiten-im-sommer",
        "neu-im-netz-das-repair-cafe",
    }
    assert summary.skipped == {
        "pingback": 1,
        "trackback": 1,
        "page (not a post)": 1,
        "attachment (not a post)": 1,
    }
    exchange = posts["tauschboerse-im-gemeindehaus"].post
    assert exchange.title == "Tauschbörse im Gemeindehaus: „Bring was, nimm was“"
    assert exchange.author == "Hanne Köhler"
    assert exchange.category == "Kooperation & Netzwerke"
    assert exchange.tags == ["Veranstaltungen", "Tauschen", "Nachhaltigkeit"]
    assert exchange.published_at == datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    assert exchange.updated_at == datetime(2025, 3, 2, 17, 5, 10, tzinfo=UTC)
    assert "15.\u00a0März" in exchange.content_html
    assert "10\u00a0bis 14\u00a0Uhr" in exchange.content_html
    assert "<script>" not in exchange.content_html
    assert "onclick" not in exchange.content_html
    assert "<h2>Was übrig bleibt</h2>" in exchange.content_html
    draft = posts["oeffnungszeiten-im-sommer"].post
    # A draft WordPress never published has no UTC date: its local one stands in.
    assert draft.published_at is None
    assert draft.created_at == datetime(2025, 3, 10, 14, 20, tzinfo=UTC)
    closed = posts["rueckblick-strassenfest-muehlgasse"].post
    assert closed.comments_open is False
    assert closed.closed_at == closed.updated_at
    assert closed.excerpt == "Über 300 Gäste & zwölf Stände: der Rückblick auf das Straßenfest."


def test_comments_keep_status_dates_and_thread():
    (unit,), summary = units(
        wxr(
            item(
                1,
                comment(11),
                comment(12, parent=11, comment_author_email="keine-adresse", comment_author_url="ftp://x"),
                comment(13, approved="0"),
                comment(14, approved="spam"),
                comment(15, approved="trash"),
                comment(16, kind="pingback"),
                comment(17, kind="trackback"),
                comment(18, comment_author=""),
            )
        )
    )

    by_text = {c.content: c for c in unit.comments}
    first, reply = by_text["Kommentar 11"], by_text["Kommentar 12"]
    assert parent_of(reply.id) == first.id
    assert first.reply_count == 1
    assert first.created_at == datetime(2024, 5, 3, 10, 0, 11, tzinfo=UTC)
    assert first.author_email == "ada@example.org"
    assert reply.author_email is None
    assert reply.author_url is None
    assert by_text["Kommentar 13"].status is CommentStatus.PENDING
    assert by_text["Kommentar 14"].status is CommentStatus.SPAM
    assert by_text["Kommentar 18"].author_name == ANONYMOUS
    assert [c.id for c in unit.comments] == sorted(c.id for c in unit.comments)
    assert summary.comments == {"approved": 3, "pending": 1, "spam": 1}
    assert summary.skipped == {"comment with status trash": 1, "pingback": 1, "trackback": 1}


def test_a_reply_whose_parent_is_missing_becomes_top_level_and_is_named():
    (unit,), summary = units(wxr(item(1, comment(21, parent=20), comment(22, parent=21))))

    top, reply = unit.comments
    assert parent_of(top.id) is None
    assert parent_of(reply.id) == top.id
    assert summary.notes == [
        "beitrag-1: comment 21 answers comment 20, which is not in the file; imported as a top-level comment"
    ]


def test_comments_that_answer_each_other_are_untangled():
    (unit,), summary = units(wxr(item(1, comment(31, parent=32), comment(32, parent=31))))

    assert sorted(depth_of(c.id) for c in unit.comments) == [1, 2]
    assert "among its own replies" in summary.notes[0]


def test_a_thread_deeper_than_ids_allow_continues_at_the_deepest_level():
    chain = [comment(40 + level, parent=40 + level - 1 if level else 0) for level in range(MAX_DEPTH + 2)]

    (unit,), summary = units(wxr(item(1, *chain)))

    assert max(depth_of(c.id) for c in unit.comments) == MAX_DEPTH
    assert len(summary.notes) == 2
    assert all(is_comment_id(c.id) for c in unit.comments)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("publish", "published"),
        ("future", "published"),
        ("draft", "draft"),
        ("pending", "draft"),
        ("private", "draft"),
    ],
)
def test_post_statuses(status, state):
    (unit,), summary = units(wxr(item(1, status=status)))

    assert summary.posts == {state: 1}
    assert (unit.post.published_at is not None) == (state == "published")


def test_a_password_protected_post_stays_private_as_a_draft():
    (unit,), summary = units(wxr(item(1, post_password="geheim")))

    assert unit.post.published_at is None
    assert summary.posts == {"draft": 1}
    assert summary.notes == ["beitrag-1: protected by a password in WordPress; imported as a draft"]


def test_what_is_not_a_post_or_not_kept_is_skipped_with_its_comments():
    found, summary = units(
        wxr(
            item(1, comment(1), post_type="page"),
            item(2, status="trash"),
            item(3, status="auto-draft"),
            item(4, comment(2, kind="pingback"), post_type="attachment", status="inherit"),
        )
    )

    assert found == []
    assert summary.skipped == {
        "page (not a post)": 1,
        "comment on a skipped item": 1,
        "post with status trash": 1,
        "post with status auto-draft": 1,
        "attachment (not a post)": 1,
        "pingback": 1,
    }


def test_what_dynamodb_cannot_hold_is_skipped():
    huge = "Sehr lang. " * 25_000

    found, summary = units(wxr(item(1, comment(1, comment_content=huge), comment(2)), item(2, content=huge)))

    assert [(unit.post.slug, len(unit.comments)) for unit in found] == [("beitrag-1", 1)]
    assert summary.skipped == {
        "comment over DynamoDB's 400 KB item limit": 1,
        "post over DynamoDB's 400 KB item limit": 1,
    }


def test_wxr_1_1_reads_as_1_2():
    older, _ = units(wxr(item(1, comment(5)), version="1.1"))
    newer, _ = units(wxr(item(1, comment(5)), version="1.2"))

    assert older == newer


def test_a_file_that_is_not_wordpress_is_refused():
    with pytest.raises(WxrError, match="not a WordPress export"):
        units(b'<rss version="2.0"><channel><item><title>x</title></item></channel></rss>')


def test_broken_xml_is_refused_with_its_place():
    document = wxr(item(1)).replace(b"</item>", b"</itm>")

    with pytest.raises(WxrError, match=r"not well-formed XML at line 4, column \d+: mismatched tag$"):
        units(document)


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        ('<a href="https://alt.example/2025/">x</a>', '<a href="https://neu.example/2025/">x</a>'),
        ("<a href='http://ALT.example'>x</a>", "<a href='https://neu.example'>x</a>"),
        ('<img src="//alt.example/a.jpg">', '<img src="https://neu.example/a.jpg">'),
        ("<img src=https://alt.example/a.jpg>", "<img src=https://neu.example/a.jpg>"),
        ('srcset="https://alt.example/a-300.jpg 300w, https://alt.example/a.jpg 900w"',
         'srcset="https://neu.example/a-300.jpg 300w, https://neu.example/a.jpg 900w"'),
        ("Siehe https://alt.example/?p=5.", "Siehe https://neu.example/?p=5."),
        ('<a href="https://alt.example.net/">x</a>', '<a href="https://alt.example.net/">x</a>'),
        ('<a href="https://alt.example:8080/">x</a>', '<a href="https://alt.example:8080/">x</a>'),
        ('<a href="https://nicht-alt.example/">x</a>', '<a href="https://nicht-alt.example/">x</a>'),
    ],
)  # fmt: skip
def test_a_url_rewrite_moves_addresses_of_the_old_site_only(text, rewritten):
    assert UrlRewrite.parse("https://alt.example/=https://neu.example").apply(text)[0] == rewritten


def test_a_url_rewrite_with_a_path_keeps_to_that_path():
    rewrite = UrlRewrite.parse("https://alt.example/blog=https://neu.example")
    text = "https://alt.example/blog/2025/ https://alt.example/blogger/ https://alt.example/"

    moved = "https://neu.example/2025/ https://alt.example/blogger/ https://alt.example/"
    assert rewrite.apply(text) == (moved, 1)


def test_the_media_of_a_text_are_the_uploaded_files_it_shows_or_links():
    text = (
        '<img src=https://alt.example/wp-content/uploads/a.jpg><img src="/wp-content/uploads/2025/b.png?w=3">'
        " Plan: https://alt.example/wp-content/uploads/plan.pdf. Ordner: https://alt.example/wp-content/uploads/"
    )

    assert media_in(text) == {
        "https://alt.example/wp-content/uploads/a.jpg",
        "/wp-content/uploads/2025/b.png",
        "https://alt.example/wp-content/uploads/plan.pdf",
    }
