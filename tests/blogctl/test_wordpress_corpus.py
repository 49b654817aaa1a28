"""Every shape of WordPress export tests/data/wxr holds, imported with `blogctl import-wxr` and read
back through the public API as a reader sees it; each import a second time changes nothing."""

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from bench.wxr_generate import generate
from blogctl.cli import main
from blogctl.wordpress import MAX_TAGS
from tests.conftest import TABLE_NAME
from tests.tables import table_items

CORPUS = Path(__file__).parents[1] / "data" / "wxr"
OLD = "https://alt.example"
NEW = "https://neu.example"


def blogctl(capsys, *arguments):
    capsys.readouterr()  # what the API's functions printed (their metrics) is not blogctl's
    status = main(["--table", TABLE_NAME, *arguments])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


def imported(capsys, name, *flags):
    """The summary of the file's import, as --json gives it."""
    return json.loads(blogctl(capsys, "--json", "import-wxr", str(CORPUS / name), *flags))


def public_posts(api):
    return api.get("/posts").json()["items"]


def post(api, slug):
    response = api.get(f"/posts/{slug}")
    assert response.status == 200, response.body
    return response.json()


def assert_second_import_changes_nothing(capsys, dynamodb, name, *flags):
    before = sorted(table_items(dynamodb), key=lambda item: (item["pk"]["S"], item["sk"]["S"]))
    again = imported(capsys, name, *flags)
    after = sorted(table_items(dynamodb), key=lambda item: (item["pk"]["S"], item["sk"]["S"]))
    assert (again["posts"]["written"], again["comments"]["written"]) == (0, 0)
    assert after == before


@pytest.mark.parametrize(
    ("name", "version", "title", "author", "tags"),
    [
        # WXR 1.0 has no authors (a post names its login), names tags `tag` and writes terms twice.
        ("wxr-1.0.xml", "1.0", "Tauschbörse (WXR 1.0)", "hanne", ["Tauschen"]),
        ("wxr-1.1.xml", "1.1", "Tauschbörse (WXR 1.1)", "Hanne Köhler", ["Tauschen"]),
        ("wordpress-com.xml", "1.2", "Umzug von WordPress.com", "Hanne Köhler", []),
        ("blank-lines-before.xml", "1.2", "Nach dem Umzug", "Hanne Köhler", []),
    ],
)
def test_every_version_namespace_prefix_and_prolog_imports(
    dynamodb, api, capsys, name, version, title, author, tags
):
    summary = imported(capsys, name)

    assert summary["wxr_version"] == version
    [listed] = public_posts(api)
    assert (listed["title"], listed["published_at"], listed["author"]) == (
        title,
        "2025-03-01T08:30:00Z",
        author,
    )
    assert (listed["category"], listed["tags"]) == ("Umzug", tags)
    shown = post(api, listed["slug"])
    assert shown["content_html"].startswith(
        "<p>Am Samstag öffnet das Gemeindehaus von 10\u00a0bis 14\u00a0Uhr.</p>"
    )
    assert len(shown["comments"]) == listed["comment_count"] == summary["comments"]["approved"] >= 1
    assert_second_import_changes_nothing(capsys, dynamodb, name)


def test_a_published_post_without_a_date_gets_the_exports_date(dynamodb, api, capsys):
    summary = imported(capsys, "undated.xml")

    assert [(p["title"], p["published_at"]) for p in public_posts(api)] == [
        ("Ohne Datum", "2025-03-15T09:12:44Z"),  # the channel's pubDate
        ("Mit Datum", "2025-03-01T08:30:00Z"),
    ]
    assert post(api, "beitrag-1")["comments"][0]["created_at"] == "2025-03-15T09:12:44Z"
    assert summary["undated_posts"] == {"the export's date": 1}
    assert (
        "beitrag-1: no date in WordPress; dated 2025-03-15T09:12:44Z, the export's date" in summary["notes"]
    )
    assert api.get("/posts/beitrag-3").status == 404  # the undated draft is stored, not shown
    assert_second_import_changes_nothing(capsys, dynamodb, "undated.xml")


def test_without_an_export_date_the_first_imports_time_stays_on_every_run(dynamodb, api, capsys):
    summary = imported(capsys, "undated-no-export-date.xml")
    [first] = public_posts(api)

    assert summary["undated_posts"] == {"the time of its first import": 1}
    assert first["published_at"].startswith("20")
    assert post(api, "beitrag-1")["comments"][0]["created_at"] == first["published_at"]
    assert_second_import_changes_nothing(capsys, dynamodb, "undated-no-export-date.xml")
    assert public_posts(api) == [first]


def test_posts_without_a_title_or_content_and_titles_with_markup_import(dynamodb, api, capsys):
    summary = imported(capsys, "titles.xml")

    titles = {p["slug"]: p["title"] for p in public_posts(api)}
    assert titles == {
        "ohne-titel-mit-slug": "Ohne titel mit slug",
        "ein-beitrag-der-keinen-titel-hat-und-keinen": "Ein Beitrag, der keinen Titel hat und keinen…",
        "beitrag-3": "Das neue Gemeindehaus & mehr",
        "beitrag-4": "Nur ein Titel",
    }
    assert post(api, "beitrag-4")["content_html"] == ""
    assert summary["posts"]["published"] == 4
    assert "ohne-titel-mit-slug: no title in WordPress; titled 'Ohne titel mit slug'" in summary["notes"]
    assert_second_import_changes_nothing(capsys, dynamodb, "titles.xml")


def test_hundreds_of_terms_keep_the_category_and_the_tags_the_api_takes(dynamodb, api, capsys):
    summary = imported(capsys, "many-terms.xml")

    shown = post(api, "beitrag-1")
    assert shown["category"] == "Kategorie 1"
    assert shown["tags"] == [f"Kategorie {n}" for n in range(2, 2 + MAX_TAGS)]
    [note] = summary["notes"]
    assert note.startswith(
        "beitrag-1: 280 categories and tags left out (a post has one category and at most 20"
    )
    assert "'Kategorie 22'" in note
    # The API takes the imported terms back as they are: the post can be edited.
    edited = {key: shown[key] for key in ("title", "author", "category", "tags", "published_at")}
    answer = api.put("/posts/beitrag-1", json_body={**edited, "content": "Neu geschrieben."}, signed=True)
    assert answer.status == 200, answer.body
    assert answer.json()["tags"] == shown["tags"]
    assert_second_import_changes_nothing(capsys, dynamodb, "many-terms.xml")


def test_a_thread_deeper_than_ids_hold_keeps_every_reply_at_the_deepest_level(dynamodb, api, capsys):
    summary = imported(capsys, "deep-thread.xml")

    comments = post(api, "beitrag-1")["comments"]
    depths = {c["content_html"]: c["id"].count(".") + 1 for c in comments}
    assert len(comments) == 13
    assert [depths[f"<p>Antwort auf Ebene {level}</p>\n"] for level in range(1, 14)] == [
        *range(1, 11),
        10,
        10,
        10,
    ]
    by_id = {c["id"]: c for c in comments}
    deepest_kept = next(c for c in comments if c["content_html"] == "<p>Antwort auf Ebene 9</p>\n")
    for level in (11, 12, 13):
        reply = next(c for c in comments if c["content_html"] == f"<p>Antwort auf Ebene {level}</p>\n")
        assert by_id[reply["parent_id"]] == deepest_kept
    assert sum("nested deeper than 10 levels" in note for note in summary["notes"]) == 3
    assert_second_import_changes_nothing(capsys, dynamodb, "deep-thread.xml")


def test_pingbacks_and_trackbacks_are_skipped_and_counted(dynamodb, api, capsys):
    summary = imported(capsys, "linkbacks.xml")

    assert summary["skipped"] == {"pingback": 2, "trackback": 1}
    [comment] = post(api, "beitrag-1")["comments"]
    assert comment["content_html"] == "<p>Ein echter Kommentar.</p>\n"
    assert_second_import_changes_nothing(capsys, dynamodb, "linkbacks.xml")


def test_links_and_images_move_to_the_new_site_and_the_media_to_copy_are_listed(
    dynamodb, api, capsys, tmp_path
):
    media_list = tmp_path / "media.txt"
    flags = ["--rewrite-url", f"{OLD}={NEW}", "--media-list", str(media_list)]

    summary = imported(capsys, "media.xml", *flags)

    shown = post(api, "beitrag-1")
    html = shown["content_html"] + shown["comments"][0]["content_html"]
    assert "alt.example/" not in html
    assert f'src="{NEW}/wp-content/uploads/2025/03/fest.jpg"' in html
    assert f'href="{NEW}/wp-content/uploads/2025/03/programm.pdf"' in html  # http:// too
    assert f'src="{NEW}/wp-content/uploads/2024/12/winter.png?w=640"' in html  # and //
    assert f'href="{NEW}/2025/02/vorbereitung/"' in html
    assert f'href="{NEW}/galerie/"' in html  # in a comment
    assert 'href="https://alt.example.net/"' in html  # another site stays
    expected_media = [
        "//alt.example/wp-content/uploads/2024/12/winter.png",
        "http://alt.example/wp-content/uploads/2025/03/programm.pdf",
        "https://alt.example/wp-content/uploads/2025/01/plakat.png",  # an attachment no post shows
        "https://alt.example/wp-content/uploads/2025/03/fest-300x200.jpg",
        "https://alt.example/wp-content/uploads/2025/03/fest.jpg",
    ]
    assert summary["media"] == expected_media
    assert media_list.read_text(encoding="utf-8").splitlines() == expected_media
    assert summary["links_rewritten"] == 7
    assert_second_import_changes_nothing(capsys, dynamodb, "media.xml", *flags)


def test_the_summary_lists_the_media_for_people_too(dynamodb, capsys):
    out = blogctl(
        capsys, "import-wxr", "--dry-run", str(CORPUS / "media.xml"), "--rewrite-url", f"{OLD}={NEW}"
    )

    assert "  links     7 addresses rewritten (--rewrite-url)\n" in out
    assert (
        "  media     5 files on the old site to copy:\n    //alt.example/wp-content/uploads/2024/12/" in out
    )


def test_a_rewrite_that_is_not_two_addresses_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["--table", TABLE_NAME, "import-wxr", str(CORPUS / "media.xml"), "--rewrite-url", "alt.example"])

    assert exit_code.value.code == 2
    assert "'alt.example' is not OLD=NEW with two http(s) addresses" in capsys.readouterr().err


def test_a_generated_export_shows_readers_what_it_publishes(dynamodb, api, capsys, tmp_path):
    path = tmp_path / "generated.xml"
    generate(path, posts=120, comments=600)
    # What the file publishes, read with the standard library's parser, apart from the importer.
    namespace = {"wp": "http://wordpress.org/export/1.2/"}
    published = [
        (
            item.findtext("wp:post_name", namespaces=namespace),
            sum(
                comment.findtext("wp:comment_approved", namespaces=namespace) == "1"
                and comment.findtext("wp:comment_type", namespaces=namespace) == "comment"
                for comment in item.iterfind("wp:comment", namespace)
            ),
        )
        for item in ElementTree.parse(path).iter("item")  # noqa: S314 (the test's own file)
        if item.findtext("wp:status", namespaces=namespace) == "publish"
    ]

    blogctl(capsys, "import-wxr", str(path))

    listed, cursor = [], None
    while True:
        page = api.get("/posts", query={"limit": "50", **({"cursor": cursor} if cursor else {})}).json()
        listed += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    assert len(listed) == len(published)
    assert sum(post["comment_count"] for post in listed) == sum(count for _, count in published)
    named = dict(published)
    assert {post["slug"]: post["comment_count"] for post in listed if post["slug"] in named} == {
        slug: count for slug, count in published if slug
    }


def test_the_summary_says_where_an_undated_posts_date_came_from(dynamodb, capsys):
    out = blogctl(capsys, "import-wxr", "--dry-run", str(CORPUS / "undated.xml"))

    assert "  undated   1 published without a date, dated: 1 by the export's date\n" in out
    assert "  - beitrag-1: no date in WordPress; dated 2025-03-15T09:12:44Z, the export's date\n" in out
