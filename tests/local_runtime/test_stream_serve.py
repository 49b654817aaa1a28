"""`serve` reads the table's stream and invokes each function the template attaches to it, in a
worker of its own, and the mail those functions send through SES is logged and saved as .eml.

Run on a copy of the project whose template adds a small function on the table's stream, next to
the notify function that reads it too (tested in its own tier), so that the local runtime's part
is tested whatever the notify function does; the probe's mail is told apart by its bytes.
"""

import hashlib
import re
import shutil
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from local.template import PROJECT_ROOT
from tests.local_server import LocalServer, client_address, start_server

PROBE_HANDLER = """
import hashlib
import json
import os
from email.message import EmailMessage

import boto3


def lambda_handler(event, context):
    ses = boto3.client("sesv2")
    for record in event["Records"]:
        post = record["dynamodb"]["NewImage"]
        message = EmailMessage()
        message["From"] = os.environ["SENDER"]
        message["To"] = os.environ["OWNER"]
        message["Subject"] = "Neuer Beitrag: " + post["title"]["S"]
        message.set_content("Zum Beitrag: " + os.environ["MAIL_LINK_BASE_URL"] + "\\n")
        data = message.as_bytes()
        ses.send_email(
            FromEmailAddress=os.environ["SENDER"],
            Destination={"ToAddresses": [os.environ["OWNER"]]},
            Content={"Raw": {"Data": data}},
        )
        print(json.dumps({"sent": hashlib.sha256(data).hexdigest(), "title": os.environ["BLOG_TITLE"]}))
    return {"batchItemFailures": []}
"""
PROBE_RESOURCE = """  StreamProbeFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/stream_probe/
      Handler: app.lambda_handler
      Environment:
        Variables:
          SENDER: !Ref SenderEmail
          OWNER: !Ref OwnerEmail
          MAIL_LINK_BASE_URL: !Ref PublicApiUrl
          BLOG_TITLE: !Ref BlogTitle
      Events:
        TableStream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt BlogTable.StreamArn
            StartingPosition: LATEST
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: >-
                    {"dynamodb": {"OldImage": {"pk": {"S": [{"exists": false}]}},
                    "NewImage": {"title": {"S": [{"exists": true}]}}}}
"""


def project_with_a_stream_function(destination: Path) -> Path:
    ignored = shutil.ignore_patterns("__pycache__", ".*")
    destination.mkdir()
    for name in ("functions", "layers", "local", "site"):
        shutil.copytree(PROJECT_ROOT / name, destination / name, ignore=ignored)
    template = (PROJECT_ROOT / "template.yaml").read_text(encoding="utf-8")
    template = template.replace(
        "\nResources:\n  BlogTable:\n    Type: AWS::DynamoDB::Table\n",
        "\nResources:\n" + PROBE_RESOURCE + "  BlogTable:\n    Type: AWS::DynamoDB::Table\n",
        1,
    )
    (destination / "template.yaml").write_text(template, encoding="utf-8")
    (destination / "functions" / "stream_probe").mkdir()
    (destination / "functions" / "stream_probe" / "app.py").write_text(PROBE_HANDLER, encoding="utf-8")
    return destination


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    directory = tmp_path_factory.mktemp("stream-serve")
    project = project_with_a_stream_function(directory / "project")
    running = start_server(
        directory,
        "--no-demo",
        "--mail-dir",
        str(directory / "mail"),
        "--parameter-overrides",
        "BlogTitle=Probe",
        project=project,
    )
    yield running
    assert running.stop() == 0


def wait_for(server: LocalServer, pattern: str, seconds: float = 30) -> re.Match[str]:
    deadline = time.monotonic() + seconds
    while (found := re.search(pattern, server.log(), re.MULTILINE)) is None:
        assert time.monotonic() < deadline, f"no line matching {pattern!r} in:\n{server.log()}"
        time.sleep(0.1)
    return found


def test_serve_says_what_it_reads_and_where_the_mail_goes(server: LocalServer) -> None:
    log = server.log()
    assert re.search(r"^Mail \S+/mail$", log, re.MULTILINE)
    assert "from blog@example.org (SenderEmail), owner mail to owner@example.org (OwnerEmail)" in log
    assert "Stream StreamProbeFunction TableStream (LATEST): batches of up to 5, 1 filter(s)" in log


def publish(server: LocalServer, slug: str, title: str) -> None:
    post = {
        "title": title,
        "content": "Text.",
        "author": "Test",
        "category": "Tests",
        "published_at": "2026-01-01T08:00:00Z",
    }
    assert server.request("PUT", f"/posts/{slug}", json_body=post, signed=True).status == 201


def test_a_new_post_reaches_the_function_and_its_mail_is_saved_byte_for_byte(server: LocalServer) -> None:
    publish(server, "gruesse", "Grüße aus dem „Netzwerk“ – 2026")
    comment = {"author_name": "Leserin", "content": "Schön!"}
    assert (
        server.request(
            "POST", "/posts/gruesse/comments", json_body=comment, source_address=client_address()
        ).status
        == 201
    )
    # Written after the comment: once the probe has it, the comment's record was read too.
    publish(server, "danach", "Danach")

    sent = wait_for(server, r'^StreamProbeFunction \| \{"sent": "(\w+)", "title": "Probe"\}$')
    mail_line = wait_for(server, r"^MAIL owner@example\.org Neuer Beitrag: Grüße aus dem „Netzwerk“ – 2026$")
    wait_for(server, r"^MAIL owner@example\.org Neuer Beitrag: Danach$")

    mail_dir = Path(re.search(r"^Mail (\S+)$", server.log(), re.MULTILINE)[1])  # type: ignore[index]
    # The notify function mails the owner about the comment too: the probe's mail is the one whose
    # bytes are those the probe sent.
    (saved,) = [
        path for path in mail_dir.glob("*.eml") if hashlib.sha256(path.read_bytes()).hexdigest() == sent[1]
    ]
    message = message_from_bytes(saved.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Neuer Beitrag: Grüße aus dem „Netzwerk“ – 2026"
    # PublicApiUrl is empty: MAIL_LINK_BASE_URL is the local API's URL, so links in mail reach it.
    assert f"Zum Beitrag: {server.api_url}" in message.get_content()
    assert mail_line is not None
    # The comment is no post head: the filter kept it from the function, which got the two posts.
    batches = re.findall(
        r"^STREAM StreamProbeFunction TableStream (\d+) record\(s\)", server.log(), re.MULTILINE
    )
    assert sum(int(records) for records in batches) == 2
    assert len(re.findall(r'^StreamProbeFunction \| \{"sent"', server.log(), re.MULTILINE)) == 2
