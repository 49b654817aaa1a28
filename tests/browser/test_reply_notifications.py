"""Reply notifications on the demo site: the "Bei Antworten benachrichtigen" box on the comment
form, which needs an email address."""

from playwright.sync_api import Page, Request, expect

from tests.browser.test_demo_site import OPEN_POST, open_post


def test_ticking_the_box_makes_the_email_address_required(page: Page) -> None:
    submissions: list[Request] = []
    page.on("request", lambda request: submissions.append(request) if request.method == "POST" else None)
    open_post(page, OPEN_POST)
    form = page.locator("form.comment-form")
    box = form.get_by_label("Bei Antworten benachrichtigen")
    email = form.get_by_label("E-Mail")
    expect(box).not_to_be_checked()
    expect(email).not_to_have_attribute("required", "")

    box.check()
    form.locator("[name=author_name]").fill("Jana Kühn")
    form.locator("[name=content]").fill("Ich möchte die Antworten lesen.")
    form.locator("button.submit").click()

    assert email.evaluate("input => input.validity.valueMissing") is True
    expect(page.locator("#comment-author-email-hint")).to_have_text(
        "Für die Benachrichtigung nötig, wird nicht veröffentlicht."
    )
    assert submissions == []

    box.uncheck()
    expect(page.locator("#comment-author-email-hint")).to_have_text("Optional, wird nicht veröffentlicht.")
    assert email.evaluate("input => input.validity.valid") is True
