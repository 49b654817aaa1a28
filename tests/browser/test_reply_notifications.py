"""Reply notifications on the demo site: the "Bei Antworten benachrichtigen" box on the comment
form, which needs an email address, and the whole way of a reader who ticks it: the confirmation
mail `make run` saves, its link, a reply mail, and the one-click unsubscribe."""

import re
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from local.embedded_dynamodb import local_client
from local.mail import MAIL_POLL_SECONDS
from tests.browser.test_demo_site import OPEN_POST, open_post
from tests.local_server import LocalServer


def test_ticking_the_box_makes_the_email_address_required(page: Page) -> None:
    open_post(page, OPEN_POST)
    form = page.locator("form.comment-form")
    box = form.get_by_label("Bei Antworten benachrichtigen")
    email = form.get_by_label("E-Mail")
    expect(box).not_to_be_checked()
    expect(email).not_to_have_attribute("required", "")

    box.check()
    form.locator("[name=author_name]").fill("Jana Kühn")
    form.locator("[name=content]").fill("Ich möchte die Antworten lesen.")
    # A submission would be a request soon after the click: none may come.
    with (
        pytest.raises(PlaywrightTimeout),
        page.expect_request(lambda request: request.method == "POST", timeout=1500),
    ):
        form.locator("button.submit").click()

    assert email.evaluate("input => input.validity.valueMissing") is True
    expect(page.locator("#comment-author-email-hint")).to_have_text(
        "Für die Benachrichtigung nötig, wird nicht veröffentlicht."
    )

    box.uncheck()
    expect(page.locator("#comment-author-email-hint")).to_have_text("Optional, wird nicht veröffentlicht.")
    assert email.evaluate("input => input.validity.valid") is True


def mail_folder(site: LocalServer) -> Path:
    found = re.search(r"^Mail (\S+)$", site.log(), re.MULTILINE)
    assert found is not None, site.log()
    return Path(found[1])


def wait_for_mail(site: LocalServer, to: str, subject: str, seconds: float = 60) -> EmailMessage:
    """The first mail saved for `to` whose subject holds `subject`."""
    deadline = time.monotonic() + seconds
    while True:
        for path in sorted(mail_folder(site).glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if message["To"] == to and subject in message["Subject"]:
                return message
        assert time.monotonic() < deadline, f"no mail to {to} about {subject!r}:\n{site.log()[-5000:]}"
        time.sleep(0.2)


def mails_to(site: LocalServer, to: str) -> int:
    return sum(
        message_from_bytes(path.read_bytes(), policy=policy.default)["To"] == to
        for path in mail_folder(site).glob("*.eml")
    )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    text: str = part.get_content()
    return text


def link_after(message: EmailMessage, label: str) -> str:
    """The link the mail's text gives under `label`."""
    found = re.search(rf"^{re.escape(label)}:\s+(\S+)", text_of(message), re.MULTILINE)
    assert found is not None, text_of(message)
    return found[1]


def stream_sequence_number(site: LocalServer, pk: str, sk: str, seconds: float = 30) -> int:
    """The sequence number of the stream record that inserted the item (pk, sk), read from the
    server's own table stream."""
    found = re.search(r"^DynamoDB (\S+) .*, table (\S+)$", site.log(), re.MULTILINE)
    assert found is not None, site.log()
    endpoint, table = found[1], found[2]
    stream_arn = local_client("dynamodb", endpoint).describe_table(TableName=table)["Table"][
        "LatestStreamArn"
    ]
    streams = local_client("dynamodbstreams", endpoint)
    deadline = time.monotonic() + seconds
    while True:
        for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            ).get("ShardIterator")
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                for record in page["Records"]:
                    keys = record["dynamodb"]["Keys"]
                    if record["eventName"] == "INSERT" and (keys["pk"]["S"], keys["sk"]["S"]) == (pk, sk):
                        return int(record["dynamodb"]["SequenceNumber"])
                iterator = page.get("NextShardIterator") if page["Records"] else None
        assert time.monotonic() < deadline, f"no stream record inserted {pk} {sk}"
        time.sleep(0.2)


def wait_until_notify_processed(site: LocalServer, sequence_number: int, seconds: float = 30) -> None:
    """Until a STREAM line of the notify function names a batch holding this record."""
    deadline = time.monotonic() + seconds
    while not any(
        int(first) <= sequence_number <= int(last)
        for first, last in re.findall(
            r"^STREAM NotifyFunction TableStream \d+ record\(s\) (\d+)\.\.(\d+) ", site.log(), re.MULTILINE
        )
    ):
        assert time.monotonic() < deadline, f"the notify function never saw record {sequence_number}"
        time.sleep(0.2)


def press_the_button(page: Page, url: str, button: str, done: str) -> None:
    page.goto(url)
    page.get_by_role("button", name=button).click()
    expect(page.locator("body")).to_contain_text(done)


def test_a_reader_opts_in_confirms_gets_a_reply_and_unsubscribes_with_one_click(
    page: Page, site: LocalServer
) -> None:
    marker = uuid.uuid4().hex[:8]
    slug = f"antworten-{marker}"
    reader = f"jana-{marker}@example.org"
    post = {
        "title": "Wer hilft beim „Frühjahrsputz“?",
        "content": "Wir suchen Helferinnen und Helfer.",
        "author": "Redaktion",
        "category": "Tests",
        "published_at": "2026-01-01T08:00:00Z",
    }
    assert site.request("PUT", f"/posts/{slug}", json_body=post, signed=True).status == 201

    # Opt in on the demo site.
    open_post(page, slug)
    form = page.locator("form.comment-form")
    form.locator("[name=author_name]").fill("Jana Kühn")
    form.locator("[name=author_email]").fill(reader)
    form.locator("[name=content]").fill("Ich helfe gern – wann geht es los?")
    form.get_by_label("Bei Antworten benachrichtigen").check()
    form.locator("button.submit").click()
    # A promise only where one can be kept: the API sends no mail to a suppressed address.
    expect(page.locator(".form-status")).to_contain_text(
        "Sie erhalten eine E-Mail zur Bestätigung, sofern wir Ihnen an diese Adresse schreiben können. "
        "Bitte bestätigen Sie die Benachrichtigung über den Link darin."
    )
    expect(page.locator("li.comment-new")).to_contain_text("Jana Kühn")
    reply_to_jana = page.locator(
        f'li.comment[data-comment-id="{page.locator("li.comment-new").get_attribute("data-comment-id")}"]'
        " > .comment-body button.reply"
    )

    # Confirm through the link in the saved mail: its page has one button.
    confirmation = wait_for_mail(site, reader, "Bitte bestätigen")
    confirm_url = link_after(confirmation, "Benachrichtigung bestätigen")
    assert confirm_url.startswith(f"{site.api_url}/actions/")
    press_the_button(page, confirm_url, "Bestätigen", "Bestätigt")

    # A reply by someone else, approved at once, is mailed to her.
    open_post(page, slug)
    reply_to_jana.click()
    form.locator("[name=author_name]").fill("Tom Becker")
    form.locator("[name=content]").fill("Samstag um zehn!")
    form.locator("button.submit").click()
    expect(page.locator("li.comment-new")).to_contain_text("Samstag um zehn!")
    reply = wait_for_mail(site, reader, "Neue Antwort auf Ihren Kommentar")
    assert "Samstag um zehn!" in text_of(reply)
    unsubscribe_url = link_after(reply, "Keine Benachrichtigungen mehr")
    assert reply["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert reply["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # One click on the unsubscribe page's button, and the next reply mails her nothing.
    press_the_button(page, unsubscribe_url, "Abmelden", "Sie sind abgemeldet")
    mailed = mails_to(site, reader)
    open_post(page, slug)
    reply_to_jana.click()
    form.locator("[name=author_name]").fill("Tom Becker")
    form.locator("[name=content]").fill("Und bringt Handschuhe mit.")
    form.locator("button.submit").click()
    expect(page.locator("li.comment-new")).to_contain_text("Handschuhe")
    second_reply = page.locator("li.comment-new").get_attribute("data-comment-id")
    assert second_reply is not None
    wait_until_notify_processed(site, stream_sequence_number(site, f"POST#{slug}", f"COMMENT#{second_reply}"))
    # The notify function has returned, its mail (if any) is in moto's SES: the outbox saves it
    # within one of its polls.
    time.sleep(3 * MAIL_POLL_SECONDS)
    assert mails_to(site, reader) == mailed
