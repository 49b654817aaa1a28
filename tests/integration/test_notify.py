"""The notify function on moto: real table writes make stream records (moto's DynamoDB Streams), the
function gets them as Lambda's event source mapping hands them over, and moto's SES v2 keeps what
was sent; a local HTTP server stands in for the webhook's receiver."""

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from blog import keys, mail, webhooks
from blog.store.keys import to_item
from blog.timestamps import format_timestamp
from local.context import LocalLambdaContext
from tests.conftest import REGION, TABLE_NAME
from tests.inprocess import invoke

SENDER = "blog@beispiel.example"
OWNER = "owner@beispiel.example"
READER = "leserin@beispiel.example"
API_URL = "https://api.beispiel.example"
BLOG_TITLE = "Gärten & Ökologie"
MAIL = {
    "SenderEmail": SENDER,
    "SenderIdentity": "beispiel.example",
    "OwnerEmail": OWNER,
    "BlogTitle": BLOG_TITLE,
    "PublicApiUrl": API_URL,
    "CommentModeration": "all",
}


class Receiver:
    """A webhook receiver on loopback: keeps each delivery, answers `status`."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.status = 204
        self.delay_seconds = 0.0
        self.location: str | None = None
        self.gets = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(receiver.delay_seconds)
                self.send_response(receiver.status)
                if receiver.location is not None:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                receiver.gets += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.deliveries]

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


@pytest.fixture
def hook(receiver: Receiver) -> Receiver:
    receiver.deliveries.clear()
    receiver.status = 204
    receiver.delay_seconds = 0.0
    receiver.location = None
    receiver.gets = 0
    return receiver


@pytest.fixture
def ses(dynamodb: Any, function_environment: dict[str, str]) -> Any:
    client = boto3.client("sesv2", region_name=REGION)
    client.create_email_identity(EmailIdentity="beispiel.example")
    client.create_configuration_set(ConfigurationSetName=function_environment["SES_CONFIGURATION_SET"])
    return client


def raw_mails() -> list[str]:
    """Every mail moto's SES took, as sent (raw MIME)."""
    return [message.raw_data for message in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages]


def sent_mails() -> list[EmailMessage]:
    """Every mail moto's SES took, parsed back from its raw MIME."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    return [
        message_from_bytes(message.raw_data.encode(), policy=default)  # type: ignore[misc]
        for message in backend.sent_messages
    ]


class Stream:
    """The table's stream, read from where the last read stopped, in Lambda's event form."""

    def __init__(self, dynamodb: Any) -> None:
        arn = dynamodb.describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
        # botocore's account-based endpoint (<account>.streams-ddb...) is one moto does not serve.
        self.client = boto3.client(
            "dynamodbstreams",
            region_name=REGION,
            endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com",
        )
        shard = self.client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.arn = arn
        self.iterator = self.client.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def records(self) -> list[dict[str, Any]]:
        response = self.client.get_records(ShardIterator=self.iterator)
        self.iterator = response["NextShardIterator"]
        return [self.lambda_form(record) for record in response["Records"]]

    def lambda_form(self, record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        moment = change["ApproximateCreationDateTime"]
        change["ApproximateCreationDateTime"] = moment.timestamp() if isinstance(moment, datetime) else moment
        return {**record, "dynamodb": change, "eventSourceARN": self.arn}


@pytest.fixture
def stream(dynamodb: Any) -> Stream:
    return Stream(dynamodb)


@pytest.fixture
def notify(lambda_functions: Any) -> Callable[[list[dict[str, Any]]], list[str]]:
    """Hand records to the notify function as a batch; the sequence numbers it reports failed."""

    def run(records: list[dict[str, Any]]) -> list[str]:
        answer = invoke(lambda_functions["NotifyFunction"], {"Records": records})
        return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]

    return run


_numbers = itertools.count(1)


def comment(api: Any, slug: str, **fields: Any) -> dict[str, Any]:
    text = f"Schöne Grüße – „zitiert“ 🌱 ({next(_numbers)})"
    body = {"author_name": "Jürgen Weiß", "content": text, **fields}
    answer = api.post(f"/posts/{slug}/comments", json_body=body)
    assert answer.status == 201, answer.body
    result: dict[str, Any] = answer.json()
    return result


def subscribe(dynamodb: Any, slug: str, comment_id: str, email: str, *, confirmed: bool) -> None:
    """The subscription item the comment's transaction writes (its layout is the mail actions')."""
    item = {
        "pk": f"POST#{slug}",
        "sk": f"SUBSCRIPTION#{comment_id}",
        "post_slug": slug,
        "comment_id": comment_id,
        "email": email,
        "email_hash": keys.email_hash(email),
        "confirmed": confirmed,
        "created_at": format_timestamp(datetime.now(UTC)),
    }
    dynamodb.put_item(TableName=TABLE_NAME, Item=to_item(item))


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_a_held_comment_mails_the_owner_with_signed_moderation_links(
    api, publish, ses, stream, notify, parameter_overrides
):
    publish("hochbeet", title="Das Hochbeet im Schrebergarten")
    held = comment(
        api, "hochbeet", author_email="juergen@beispiel.example", content="Wie tief? <b>Nicht fett</b>"
    )

    assert notify(stream.records()) == []

    (mail,) = sent_mails()
    text = text_of(mail)
    assert mail["To"] == OWNER
    assert mail["From"].addresses[0].display_name == BLOG_TITLE
    assert mail["From"].addresses[0].addr_spec == SENDER
    assert (
        mail["Subject"]
        == f"[{BLOG_TITLE}] Neuer Kommentar wartet auf Freigabe: „Das Hochbeet im Schrebergarten“"
    )
    assert "Jürgen Weiß (juergen@beispiel.example)" in text
    assert "Wie tief? <b>Nicht fett</b>" in text
    assert "http://127.0.0.1:8080/#/posts/hochbeet" in text
    links = [line for line in text.splitlines() if line.startswith(f"{API_URL}/actions/")]
    assert len(links) == 3  # approve, spam, delete
    # RFC 5322 headers are ASCII: the German subject and names travel as RFC 2047 encoded words.
    (raw,) = raw_mails()
    assert raw.split("\r\n\r\n", 1)[0].isascii()
    assert "=?utf-8?" in raw.split("\r\n\r\n", 1)[0]
    assert "&lt;b&gt;Nicht fett&lt;/b&gt;" in html_of(mail)
    assert "<b>" not in html_of(mail)
    assert held["status"] == "pending"


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_a_redelivered_batch_sends_nothing_twice(api, publish, ses, stream, notify, parameter_overrides):
    publish("kompost")
    comment(api, "kompost", author_email="a@beispiel.example")
    records = stream.records()

    assert notify(records) == []
    assert notify(records) == []

    assert len(sent_mails()) == 1


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_a_failed_send_releases_its_claim_and_the_retry_sends(
    api, publish, dynamodb, stream, notify, parameter_overrides, function_environment
):
    publish("kompost")
    comment(api, "kompost")
    records = stream.records()
    inserted = [
        r["dynamodb"]["SequenceNumber"]
        for r in records
        if r["dynamodb"]["Keys"]["sk"]["S"].startswith("COMMENT#")
    ]

    # SES refuses: the sender's identity is not verified yet.
    assert notify(records) == inserted
    assert sent_mails() == []

    ses = boto3.client("sesv2", region_name=REGION)
    ses.create_email_identity(EmailIdentity="beispiel.example")
    assert notify(records) == []
    assert len(sent_mails()) == 1


def test_without_a_sender_nothing_is_mailed(api, publish, dynamodb, stream, notify):
    publish("ruhig")
    comment(api, "ruhig", author_email="a@beispiel.example")

    assert notify(stream.records()) == []
    assert sent_mails() == []


@pytest.mark.parametrize("parameter_overrides", [{**MAIL, "OwnerNotify": "all", "CommentModeration": "auto"}])
def test_owner_notify_all_mails_published_comments_too(
    api, publish, ses, stream, notify, parameter_overrides
):
    publish("alles")
    comment(api, "alles")

    assert notify(stream.records()) == []
    (mail,) = sent_mails()
    assert "veröffentlicht" in mail["Subject"]


@pytest.mark.parametrize("parameter_overrides", [{**MAIL, "BlogLanguage": "en"}])
def test_mails_are_in_english_when_the_blog_is(api, publish, ses, stream, notify, parameter_overrides):
    publish("beds", title="Raised beds")
    comment(api, "beds")

    notify(stream.records())
    (mail,) = sent_mails()
    assert mail["Subject"] == f"[{BLOG_TITLE}] New comment awaiting approval: “Raised beds”"


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_a_new_subscription_gets_one_confirmation_per_address_and_interval(
    api, publish, dynamodb, ses, stream, notify, parameter_overrides
):
    publish("beet")
    first = comment(api, "beet", author_email=READER)
    second = comment(api, "beet", author_email=READER)
    stream.records()
    subscribe(dynamodb, "beet", first["id"], READER, confirmed=False)
    subscribe(dynamodb, "beet", second["id"], READER.upper(), confirmed=False)
    records = stream.records()

    assert notify(records) == []
    assert notify(records) == []

    (mail,) = sent_mails()
    assert mail["To"] == READER
    assert mail["Subject"].startswith(f"[{BLOG_TITLE}] Bitte bestätigen")
    assert f"{API_URL}/actions/" in text_of(mail)
    assert "List-Unsubscribe" not in mail


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_the_confirmation_interval_ends_when_it_expires_not_when_ttl_deletes_it(
    api, publish, dynamodb, ses, stream, notify, parameter_overrides
):
    publish("beet")
    first = comment(api, "beet", author_email=READER)
    # The interval of a confirmation sent two hours ago: past, and not yet deleted by TTL.
    interval = {
        "pk": f"CLAIM#rate#confirm#{keys.email_hash(READER)}",
        "sk": "CLAIM",
        "expires_at": int(time.time()) - 3600,
    }
    dynamodb.put_item(TableName=TABLE_NAME, Item=to_item(interval))
    stream.records()
    subscribe(dynamodb, "beet", first["id"], READER, confirmed=False)

    assert notify(stream.records()) == []
    (mail,) = sent_mails()
    assert mail["To"] == READER


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_a_suppressed_owner_address_gets_no_moderation_mail(
    api, publish, dynamodb, ses, stream, notify, parameter_overrides
):
    hashed = keys.email_hash(OWNER)
    suppression = {"pk": f"SUPPRESSED#{hashed}", "sk": "SUPPRESSED", "email_hash": hashed, "reason": "bounce"}
    dynamodb.put_item(TableName=TABLE_NAME, Item=to_item(suppression))
    publish("beet")
    comment(api, "beet", author_email=READER)

    assert notify(stream.records()) == []
    assert sent_mails() == []


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_a_suppressed_address_gets_no_confirmation(
    api, publish, dynamodb, ses, stream, notify, parameter_overrides
):
    publish("beet")
    first = comment(api, "beet", author_email=READER)
    hashed = keys.email_hash(READER)
    suppression = {
        "pk": f"SUPPRESSED#{hashed}",
        "sk": "SUPPRESSED",
        "email_hash": hashed,
        "reason": "unsubscribed",
    }
    dynamodb.put_item(TableName=TABLE_NAME, Item=to_item(suppression))
    stream.records()
    subscribe(dynamodb, "beet", first["id"], READER, confirmed=False)

    assert notify(stream.records()) == []
    assert sent_mails() == []


@pytest.mark.parametrize("parameter_overrides", [{**MAIL, "OwnerNotify": "none"}])
def test_an_approved_reply_mails_the_confirmed_subscriber_once_with_one_click_unsubscribe(
    api, publish, dynamodb, ses, stream, notify, parameter_overrides
):
    publish("beet", title="Beete im Herbst")
    asked = comment(api, "beet", author_email=READER)
    assert api.post(f"/posts/beet/comments/{asked['id']}/approve", signed=True).status == 200
    subscribe(dynamodb, "beet", asked["id"], READER, confirmed=True)
    own = comment(api, "beet", author_email=READER.upper(), parent_id=asked["id"])
    other = comment(api, "beet", author_name="Ärztin Öztürk", parent_id=asked["id"])
    notify(stream.records())
    assert sent_mails() == []  # held replies mail nobody yet

    for reply in (own, other):
        assert api.post(f"/posts/beet/comments/{reply['id']}/approve", signed=True).status == 200
    records = stream.records()
    assert notify(records) == []
    assert notify(records) == []

    (mail,) = sent_mails()
    assert mail["To"] == READER
    assert mail["Subject"] == f"[{BLOG_TITLE}] Neue Antwort auf Ihren Kommentar zu „Beete im Herbst“"
    assert "Ärztin Öztürk hat auf Ihren Kommentar" in text_of(mail)
    assert mail["List-Unsubscribe"].startswith(f"<{API_URL}/actions/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].strip("<>") in text_of(mail)
    # RFC 2369/8058: the link as written, one line, no encoded words (a re-parse would decode them).
    (raw,) = raw_mails()
    headers = raw.split("\r\n\r\n", 1)[0]
    assert f"\r\nList-Unsubscribe: {mail['List-Unsubscribe']}\r\n" in headers
    assert "=?utf-8?" in headers  # the German subject is still encoded
    assert f"http://127.0.0.1:8080/#/posts/beet/comments/{other['id']}" in text_of(mail)


@pytest.mark.parametrize("parameter_overrides", [{**MAIL, "OwnerNotify": "none"}])
def test_an_unconfirmed_subscriber_hears_of_no_reply(
    api, publish, dynamodb, ses, stream, notify, parameter_overrides
):
    publish("beet")
    asked = comment(api, "beet", author_email=READER)
    api.post(f"/posts/beet/comments/{asked['id']}/approve", signed=True)
    subscribe(dynamodb, "beet", asked["id"], READER, confirmed=False)
    stream.records()
    reply = comment(api, "beet", parent_id=asked["id"])
    api.post(f"/posts/beet/comments/{reply['id']}/approve", signed=True)

    assert notify(stream.records()) == []
    assert sent_mails() == []


def verify(headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (docs/OPERATIONS.md): recompute the signature with the webhook key."""
    fields = dict(part.split("=", 1) for part in headers["blog-signature"].split(","))
    key = keys.key_ring().stable_key(webhooks.WEBHOOK_SIGNATURE)
    expected = hmac.new(key, f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@pytest.fixture
def webhook_overrides(hook: Receiver) -> dict[str, str]:
    return {"WebhookUrl": hook.url, "CommentModeration": "auto"}


@pytest.fixture
def parameter_overrides(request: pytest.FixtureRequest) -> dict[str, str]:
    if "hook" in request.fixturenames:
        return dict(request.getfixturevalue("webhook_overrides"))
    return {}


def test_the_webhook_gets_signed_comment_and_thread_events(api, publish, dynamodb, stream, notify, hook):
    publish("netz")
    published = comment(api, "netz", author_email="geheim@beispiel.example")
    api.post("/posts/netz/close", signed=True)
    api.post("/posts/netz/reopen", signed=True)
    api.request("DELETE", f"/posts/netz/comments/{published['id']}", signed=True)

    assert notify(stream.records()) == []

    assert hook.types() == [
        "post.published",
        "comment.created",
        "comment.approved",
        "thread.closed",
        "thread.reopened",
        "comment.deleted",
    ]
    assert all(verify(headers, body) for headers, body in hook.deliveries)
    created = hook.events()[1]
    assert created["data"]["id"] == published["id"]
    assert created["data"]["author_name"] == "Jürgen Weiß"
    assert all("geheim" not in body.decode() for _, body in hook.deliveries)
    assert {"type", "id", "created_at", "data"} == set(created)


def test_a_failed_webhook_call_is_retried_and_delivered_once(api, publish, dynamodb, stream, notify, hook):
    publish("netz")
    records = stream.records()

    hook.status = 500
    assert notify(records) != []
    hook.status = 204
    assert notify(records) == []
    assert notify(records) == []

    assert hook.types() == ["post.published", "post.published"]  # the failed one, then the one delivered
    assert len({event["id"] for event in hook.events()}) == 1


def test_a_deleted_post_is_one_event_and_its_comments_none(api, publish, dynamodb, stream, notify, hook):
    publish("weg")
    first = comment(api, "weg")
    notify(stream.records())
    hook.deliveries.clear()
    now = format_timestamp(datetime.now(UTC))
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key=to_item({"pk": "POST#weg", "sk": "#POST"}),
        UpdateExpression="SET deleting_since = :now REMOVE published_at, published_pk, category_pk, open_pk",
        ExpressionAttributeValues=to_item({":now": now}),
    )
    dynamodb.delete_item(
        TableName=TABLE_NAME, Key=to_item({"pk": "POST#weg", "sk": f"COMMENT#{first['id']}"})
    )
    dynamodb.delete_item(TableName=TABLE_NAME, Key=to_item({"pk": "POST#weg", "sk": "#POST"}))
    records = stream.records()

    assert notify(records) == []
    assert notify(records) == []

    assert hook.types() == ["post.deleted"]
    assert hook.events()[0]["data"] == {"slug": "weg"}


def test_removals_by_ttl_are_no_events(api, publish, dynamodb, stream, notify, hook):
    publish("alt")
    spam = comment(api, "alt")
    stream.records()
    hook.deliveries.clear()
    dynamodb.delete_item(TableName=TABLE_NAME, Key=to_item({"pk": "POST#alt", "sk": f"COMMENT#{spam['id']}"}))
    (removal,) = stream.records()
    removal["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}

    assert notify([removal]) == []
    assert hook.deliveries == []


def test_a_scheduled_post_is_announced_once_when_its_time_comes(
    api, publish, dynamodb, stream, notify, hook, lambda_functions, monkeypatch
):
    soon = datetime.now(UTC) + timedelta(minutes=3)
    api.put(
        "/posts/bald",
        json_body={
            "title": "Bald",
            "content": "C",
            "author": "A",
            "category": "K",
            "published_at": format_timestamp(soon),
        },
        signed=True,
    )
    schedule = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    assert notify(stream.records()) == []
    assert invoke(lambda_functions["NotifyFunction"], schedule) == {"announced": 0}
    assert hook.deliveries == []

    import blog.notifying

    later = soon + timedelta(minutes=2)
    monkeypatch.setattr(blog.notifying, "FIRST_PUBLICATION_LOOKBACK", timedelta(minutes=10))
    app = lambda_functions["NotifyFunction"].load_module()
    monkeypatch.setattr(app, "utc_now", lambda: later)
    assert invoke(lambda_functions["NotifyFunction"], schedule) == {"announced": 1}
    assert invoke(lambda_functions["NotifyFunction"], schedule) == {"announced": 0}

    (event,) = hook.events()
    assert event["type"] == "post.published"
    assert event["data"]["slug"] == "bald"
    assert event["data"]["published_at"] == format_timestamp(soon)


def action_path(url: str) -> str:
    assert url.startswith(f"{API_URL}/actions/"), url
    return url.removeprefix(API_URL)


@pytest.mark.parametrize(
    "parameter_overrides", [{**MAIL, "OwnerNotify": "none", "CommentModeration": "auto"}]
)
def test_opt_in_confirm_hear_of_a_reply_and_unsubscribe_with_one_click(
    api, publish, ses, stream, notify, parameter_overrides
):
    publish("laube", title="Die Laube")
    asked = comment(api, "laube", author_email=READER, notify_replies=True)
    assert notify(stream.records()) == []
    (confirmation,) = sent_mails()
    (confirm_url,) = [line for line in text_of(confirmation).splitlines() if "/actions/" in line]
    assert api.post(action_path(confirm_url)).status == 200

    comment(api, "laube", author_name="Gärtnerin", parent_id=asked["id"])
    assert notify(stream.records()) == []
    reply_mail = sent_mails()[1]
    assert reply_mail["To"] == READER
    unsubscribe_url = reply_mail["List-Unsubscribe"].strip("<>")
    one_click = api.post(
        action_path(unsubscribe_url),
        body=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status == 200, one_click.body

    comment(api, "laube", author_name="Noch jemand", parent_id=asked["id"])
    assert notify(stream.records()) == []
    assert len(sent_mails()) == 2


def test_a_receiver_that_does_not_answer_in_time_is_a_failure_retried_later(
    api, publish, dynamodb, stream, notify, hook, monkeypatch
):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)  # 5 s in production
    publish("langsam")
    records = stream.records()

    hook.delay_seconds = 1.0
    assert notify(records) != []
    hook.delay_seconds = 0.0
    assert notify(records) == []
    assert hook.types() == ["post.published", "post.published"]


@pytest.mark.parametrize("parameter_overrides", [{**MAIL, "OwnerNotify": "all", "CommentModeration": "auto"}])
def test_the_owner_hears_of_no_spam(api, publish, ses, stream, notify, parameter_overrides):
    publish("honig")
    comment(api, "honig", website="https://spam.example")

    assert notify(stream.records()) == []
    assert sent_mails() == []


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_the_primer_builds_every_kind_of_delivery_and_sends_none(
    lambda_functions, dynamodb, ses, monkeypatch, parameter_overrides
):
    from blog import priming

    built: list[EmailMessage] = []
    monkeypatch.setattr(priming, "_serialize_only", lambda message, _settings: built.append(message))

    statuses = lambda_functions["NotifyFunction"].load_module().primer.run()

    assert statuses == {"notify": 200}
    assert sorted(str(message["To"]) for message in built) == [
        "owner@priming.invalid",
        "reader@priming.invalid",
    ]
    assert sent_mails() == []


def test_a_failure_other_than_the_receivers_releases_the_claim_and_the_retry_delivers(
    api, publish, dynamodb, stream, notify, hook, monkeypatch
):
    publish("netz")
    records = stream.records()
    real_key = webhooks.webhook_key

    def secrets_manager_down() -> bytes:
        raise RuntimeError("Secrets Manager did not answer")

    monkeypatch.setattr(webhooks, "webhook_key", secrets_manager_down)
    assert notify(records) != []
    monkeypatch.setattr(webhooks, "webhook_key", real_key)
    assert notify(records) == []

    assert hook.types() == ["post.published"]
    assert all(verify(headers, body) for headers, body in hook.deliveries)


@pytest.mark.parametrize("parameter_overrides", [MAIL])
def test_an_unexpected_failure_of_a_mail_send_releases_its_claim(
    api, publish, ses, stream, notify, parameter_overrides, monkeypatch
):
    publish("kompost")
    comment(api, "kompost")
    records = stream.records()
    real_client = mail.ses_client

    def broken_client() -> Any:
        raise ValueError("not a botocore error")

    monkeypatch.setattr(mail, "ses_client", broken_client)
    assert notify(records) != []
    monkeypatch.setattr(mail, "ses_client", real_client)
    assert notify(records) == []

    assert len(sent_mails()) == 1


def test_a_batch_running_out_of_time_takes_no_more_claims_and_its_rest_is_retried(
    api, publish, dynamodb, stream, notify, hook, lambda_functions
):
    for slug in ("eins", "zwei", "drei"):
        publish(slug)
    records = stream.records()
    heads = [r["dynamodb"]["SequenceNumber"] for r in records if r["dynamodb"]["Keys"]["sk"]["S"] == "#POST"]

    class Hurried(LocalLambdaContext):
        """Time enough for one slow webhook call, then little."""

        def get_remaining_time_in_millis(self) -> int:
            return 40_000 if not hook.deliveries else 5_000

    function = lambda_functions["NotifyFunction"]
    answer = function.load_handler()({"Records": records}, Hurried(function_name=function.logical_id))

    assert hook.types() == ["post.published"]
    assert [failure["itemIdentifier"] for failure in answer["batchItemFailures"]] == heads[1:]
    assert notify(records) == []
    assert sorted(event["data"]["slug"] for event in hook.events()) == ["drei", "eins", "zwei"]


def test_a_deleted_comment_tells_the_webhook_its_ids_and_status_only(
    api, publish, dynamodb, stream, notify, hook
):
    publish("netz")
    erased = comment(api, "netz", author_url="https://juergen.example")
    tombstoned = comment(api, "netz")
    notify(stream.records())
    hook.deliveries.clear()
    # A reader's erasure removes the item; a moderator's delete leaves a tombstone.
    dynamodb.delete_item(
        TableName=TABLE_NAME, Key=to_item({"pk": "POST#netz", "sk": f"COMMENT#{erased['id']}"})
    )
    api.request("DELETE", f"/posts/netz/comments/{tombstoned['id']}", signed=True)

    assert notify(stream.records()) == []

    assert [event["data"] for event in hook.events()] == [
        {"post_slug": "netz", "id": erased["id"], "parent_id": None, "status": "deleted"},
        {"post_slug": "netz", "id": tombstoned["id"], "parent_id": None, "status": "deleted"},
    ]
    assert all(b"J\\u00fcrgen" not in body and "Jürgen".encode() not in body for _, body in hook.deliveries)


def test_a_redirect_is_a_failure_not_followed(api, publish, dynamodb, stream, notify, hook):
    publish("netz")
    records = stream.records()
    hook.status = 302
    hook.location = hook.url + "/elsewhere"

    assert notify(records) != []
    assert hook.gets == 0

    hook.status, hook.location = 204, None
    assert notify(records) == []
    assert hook.types() == ["post.published", "post.published"]


def test_a_deleted_posts_comments_are_no_events_on_a_new_post_of_its_slug(
    api, publish, dynamodb, stream, notify, hook
):
    publish("weg")
    first = comment(api, "weg")
    notify(stream.records())
    hook.deliveries.clear()
    now = format_timestamp(datetime.now(UTC))
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key=to_item({"pk": "POST#weg", "sk": "#POST"}),
        UpdateExpression="SET deleting_since = :now REMOVE published_at, published_pk, category_pk, open_pk",
        ExpressionAttributeValues=to_item({":now": now}),
    )
    dynamodb.delete_item(
        TableName=TABLE_NAME, Key=to_item({"pk": "POST#weg", "sk": f"COMMENT#{first['id']}"})
    )
    dynamodb.delete_item(TableName=TABLE_NAME, Key=to_item({"pk": "POST#weg", "sk": "#POST"}))
    records = stream.records()
    time.sleep(1.1)  # record times are whole seconds
    publish("weg", days_ago=2)  # the slug is used again before the records are read

    assert notify([*records, *stream.records()]) == []

    assert hook.types() == ["post.deleted", "post.published"]
