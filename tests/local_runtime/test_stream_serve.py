"""`serve` reads the table's stream and invokes the function the template attaches to it, in a
worker of its own, and the mail that function sends through SES is logged and saved as .eml.

Run on a copy of the project whose template gives the table a stream and adds a small function
on it (the project's own notify function is tested in its own tier), so that the local runtime's
part is tested whatever the notify function does.
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
        message.set_content("Zum Beitrag: " + os.environ["PUBLIC_URL"] + "\\n")
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
          PUBLIC_URL: !Ref PublicApiUrl
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
                    {"eventName": ["INSERT"],
                    "dynamodb": {"NewImage": {"title": {"S": [{"exists": true}]}}}}
"""
MAIL_PARAMETERS = """  SenderEmail:
    Type: String
    Default: ""
  OwnerEmail:
    Type: String
    Default: ""
"""


def project_with_a_stream_function(destination: Path) -> Path:
    ignored = shutil.ignore_patterns("__pycache__", ".*")
    destination.mkdir()
    for name in ("functions", "layers", "local", "site"):
        shutil.copytree(PROJECT_ROOT / name, destination / name, ignore=ignored)
    template = (PROJECT_ROOT / "template.yaml").read_text(encoding="utf-8")
    template = template.replace("\nParameters:\n", "\nParameters:\n" + MAIL_PARAMETERS, 1)
    template = template.replace(
        "\nResources:\n  BlogTable:\n    Type: AWS::DynamoDB::Table\n",
        "\nResources:\n" + PROBE_RESOURCE + "  BlogTable:\n    Type: AWS::DynamoDB::Table\n",
        1,
    )
    template = re.sub(
        r"(\n  BlogTable:\n(?:    .*\n|      .*\n|\n)*?    Properties:\n)",
        r"\1      StreamSpecification:\n        StreamViewType: NEW_AND_OLD_IMAGES\n",
        template,
        count=1,
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


def test_a_new_post_reaches_the_function_and_its_mail_is_saved_byte_for_byte(server: LocalServer) -> None:
    post = {
        "title": "Grüße aus dem „Netzwerk“ – 2026",
        "content": "Text.",
        "author": "Test",
        "category": "Tests",
        "published_at": "2026-01-01T08:00:00Z",
    }
    assert server.request("PUT", "/posts/gruesse", json_body=post, signed=True).status == 201
    comment = {"author_name": "Leserin", "content": "Schön!"}
    assert (
        server.request(
            "POST", "/posts/gruesse/comments", json_body=comment, source_address=client_address()
        ).status
        == 201
    )

    sent = wait_for(server, r'^StreamProbeFunction \| \{"sent": "(\w+)", "title": "Probe"\}$')
    mail_line = wait_for(server, r"^MAIL owner@example\.org Neuer Beitrag: Grüße aus dem „Netzwerk“ – 2026$")
    assert re.search(
        r"^STREAM StreamProbeFunction TableStream 1 record\(s\) \d+\.\.\d+ ", server.log(), re.MULTILINE
    )

    mail_dir = Path(re.search(r"^Mail (\S+)$", server.log(), re.MULTILINE)[1])  # type: ignore[index]
    (saved,) = sorted(mail_dir.glob("*.eml"))
    data = saved.read_bytes()
    assert hashlib.sha256(data).hexdigest() == sent[1]
    message = message_from_bytes(data, policy=policy.default)
    assert message["Subject"] == "Neuer Beitrag: Grüße aus dem „Netzwerk“ – 2026"
    # PublicApiUrl, empty by default, is the local API's URL: links in mail reach it.
    assert f"Zum Beitrag: {server.api_url}" in message.get_content()
    assert mail_line is not None
    # The comment is no post head: the filter kept it from the function.
    assert len(re.findall(r"^STREAM StreamProbeFunction", server.log(), re.MULTILINE)) == 1
