"""A reader's way through the demo blog: the list, a post, a comment, a reply, a closed thread."""

import re
import uuid

from playwright.sync_api import Page, expect

from tests.local_server import LocalServer

OPEN_POST = "willkommen-im-netzwerk-haselbacher-initiativen"
CLOSED_POST = "rueckblick-auf-das-nachbarschaftsfest-2026"
CLOSED_NOTICE = "Kommentarfunktion für diesen Artikel geschlossen."


def open_post(page: Page, slug: str) -> None:
    page.goto(f"/#/posts/{slug}")
    expect(page.locator("article.post")).to_be_visible()


def write_comment(page: Page, name: str, text: str) -> None:
    form = page.locator("form.comment-form")
    form.locator("[name=author_name]").fill(name)
    form.locator("[name=content]").fill(text)
    form.locator("button.submit").click()


def test_the_list_shows_the_newest_posts_and_pages_to_older_ones(page: Page) -> None:
    page.goto("/")

    summaries = page.locator(".post-summary")
    expect(summaries).to_have_count(5)
    first_titles = summaries.locator("a.post-link").all_inner_texts()
    page.locator(".older-posts").click()
    expect(page.locator(".post-summary").first).not_to_have_text(first_titles[0])
    older_titles = page.locator(".post-summary a.post-link").all_inner_texts()
    assert older_titles
    assert not set(first_titles) & set(older_titles)
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_a_post_opens_from_the_list_with_its_text(page: Page) -> None:
    page.goto("/")
    newest = page.locator(".post-summary").first
    slug = newest.get_attribute("data-slug")
    title = newest.locator("a.post-link").inner_text()

    newest.locator("a.post-link").click()

    expect(page).to_have_url(re.compile(f"#/posts/{slug}$"))
    expect(page.locator("article.post .post-title")).to_have_text(title)
    expect(page.locator("article.post .post-content p").first).to_be_visible()
    expect(page.locator("form.comment-form")).to_be_visible()


def test_a_comment_and_a_reply_nested_under_it(page: Page) -> None:
    open_post(page, OPEN_POST)
    marker = uuid.uuid4().hex[:8]

    write_comment(page, "Lena Vogt", f"Schöner Beitrag – „danke“! {marker}")
    comment = page.locator("li.comment", has_text=marker)
    expect(comment).to_be_visible()
    expect(page.locator(".form-status")).to_contain_text("veröffentlicht")

    comment.locator("button.reply").first.click()
    write_comment(page, "Miriam Albers", f"Gern geschehen, Lena. {marker}-antwort")

    reply = comment.locator(".comment-replies li.comment", has_text=f"{marker}-antwort")
    expect(reply).to_be_visible()
    assert reply.get_attribute("data-parent-id") == comment.first.get_attribute("data-comment-id")

    page.reload()
    expect(page.locator("li.comment", has_text=marker).locator(".comment-replies")).to_contain_text(
        f"{marker}-antwort"
    )


def test_a_refused_comment_shows_why_in_german(page: Page) -> None:
    open_post(page, OPEN_POST)
    text = f"Zweimal gesagt {uuid.uuid4().hex[:8]}"
    write_comment(page, "Paul Krüger", text)
    expect(page.locator("li.comment", has_text=text)).to_be_visible()

    write_comment(page, "Paul Krüger", text)

    expect(page.locator(".form-status")).to_contain_text("bereits gesendet")
    expect(page.locator("li.comment", has_text=text)).to_have_count(1)


def test_a_closed_thread_shows_its_comments_and_the_notice_but_no_form(page: Page) -> None:
    open_post(page, CLOSED_POST)

    expect(page.locator(".comments-closed")).to_have_text(CLOSED_NOTICE)
    expect(page.locator("form.comment-form")).to_have_count(0)
    expect(page.locator("button.reply")).to_have_count(0)
    top_level = page.locator(".comment-list > li.comment")
    expect(top_level).to_have_count(1)
    expect(top_level.locator(".comment-replies li.comment")).to_have_count(1)


def test_the_site_calls_the_api_across_origins(page: Page, site: LocalServer) -> None:
    with page.expect_response(re.compile(r"/posts\?")) as listing:
        page.goto("/")

    response = listing.value
    assert response.status == 200
    assert response.url.startswith(site.api_url)
    assert response.headers["access-control-allow-origin"] == site.site_url.rstrip("/")
