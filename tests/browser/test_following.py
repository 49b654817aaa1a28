"""What lets a reader follow the blog on the demo site: feed links in the page's head, comment
counts of the post list from one request, and the newest comments."""

import re
import urllib.request
import uuid

import feedparser  # type: ignore[import-untyped]
from playwright.sync_api import Page, Request, expect

from tests.browser.test_demo_site import OPEN_POST, open_post, write_comment
from tests.local_server import LocalServer


def test_the_head_links_the_feeds_and_a_post_page_its_comment_feed(page: Page, site: LocalServer) -> None:
    page.goto("/")
    expect(page.locator(".post-summary").first).to_be_visible()

    feeds = page.locator('head link[rel="alternate"]')
    kinds = {link.get_attribute("data-feed"): link for link in feeds.all()}
    assert set(kinds) == {"posts-atom", "posts-rss", "comments-atom"}
    assert kinds["posts-rss"].get_attribute("type") == "application/rss+xml"
    for link in kinds.values():
        with urllib.request.urlopen(link.get_attribute("href") or "") as answer:  # noqa: S310
            assert answer.status == 200
            assert not feedparser.parse(answer.read()).bozo

    open_post(page, OPEN_POST)
    post_feed = page.locator('head link[data-feed="post-comments-atom"]')
    expect(post_feed).to_have_attribute("href", re.compile(f"/posts/{OPEN_POST}/comments.atom$"))
    expect(post_feed).to_have_attribute("type", "application/atom+xml")
    page.locator("a.back-link").click()
    expect(post_feed).to_have_count(0)


def test_the_post_list_shows_counts_from_one_counts_request(page: Page) -> None:
    counts_requests: list[Request] = []

    def record(request: Request) -> None:
        if "/comments/counts" in request.url:
            counts_requests.append(request)

    page.on("request", record)

    page.goto("/")
    expect(page.locator(".post-summary")).to_have_count(5)
    expect(page.locator(".post-comment-count").first).to_be_visible()
    page.wait_for_load_state("networkidle")

    (request,) = counts_requests
    response = request.response()
    assert response is not None
    counts = response.json()["counts"]
    slugs = page.locator(".post-summary").evaluate_all("nodes => nodes.map((node) => node.dataset.slug)")
    assert list(counts) == slugs
    for slug in slugs:
        shown = page.locator(f'.post-summary[data-slug="{slug}"] .post-comment-count').inner_text()
        assert shown.startswith(f"{counts[slug]} Kommentar"), (slug, shown)


def test_the_newest_comments_box_shows_a_new_comment_first_and_links_to_it(page: Page) -> None:
    marker = uuid.uuid4().hex[:8]
    open_post(page, OPEN_POST)
    write_comment(page, "Jonas Becker", f"Ganz „frisch“ – {marker}")
    expect(page.locator("li.comment-new")).to_be_visible()
    comment_id = page.locator("li.comment-new").get_attribute("data-comment-id")

    page.goto("/")
    box = page.locator("aside.recent-comments")
    expect(box.locator("h2")).to_have_text("Neueste Kommentare")
    newest = box.locator(".recent-comment").first
    expect(newest).to_contain_text(marker)
    expect(newest).to_have_attribute("data-comment-id", comment_id or "")
    expect(newest.locator(".recent-comment-author")).to_have_text("Jonas Becker")

    newest.locator("a.recent-comment-post").click()

    expect(page).to_have_url(re.compile(f"#/posts/{OPEN_POST}/comments/"))
    expect(page.locator(f'li.comment[data-comment-id="{comment_id}"]')).to_be_in_viewport()
