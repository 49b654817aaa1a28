"""blogctl, the operator CLI, against the local API: signed with the local credentials, refused
with others, readable output and --json."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.local_server import LocalServer, client_address

BLOGCTL = Path(sys.executable).parent / "blogctl"
POST_FILE = """---
title: "Frühjahrsputz im Gemeinschaftsgarten – „alle Hände“ gesucht"
author: Miriam Albers
category: Veranstaltungen
tags: [Garten, Ehrenamt]
published_at: 2026-04-02T08:00:00Z
comments_open: true
---
Am Samstag ab 10\u00a0Uhr räumen wir gemeinsam auf. Bringt Handschuhe mit!
"""


def blogctl(
    server: LocalServer,
    *arguments: str,
    secret: str = "local",  # noqa: S107 (the documented local credentials)
    local: bool = False,
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    environment.pop("AWS_PROFILE", None)
    where = ["--local"] if local else []
    return subprocess.run(  # noqa: S603 (this project's console script)
        [str(BLOGCTL), *where, "--api-url", server.api_url, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def post_file(tmp_path: Path) -> tuple[str, Path]:
    slug = f"fruehjahrsputz-{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{slug}.md"
    path.write_text(POST_FILE, encoding="utf-8")
    return slug, path


def test_put_post_publishes_a_file_and_list_shows_it(
    server: LocalServer, post_file: tuple[str, Path]
) -> None:
    slug, path = post_file

    published = blogctl(server, "put-post", str(path))

    assert published.returncode == 0, published.stderr
    assert published.stdout.strip() == f"{slug}: published (comments open)"
    post = server.request("GET", f"/posts/{slug}").json()
    assert post["title"] == "Frühjahrsputz im Gemeinschaftsgarten – „alle Hände“ gesucht"
    assert "10\u00a0Uhr" in post["content_html"]
    listed = blogctl(server, "list")
    assert slug in listed.stdout
    assert listed.stdout.splitlines()[0].split() == ["published", "slug", "comments", "thread", "title"]
    as_json = json.loads(blogctl(server, "--json", "list").stdout)
    assert slug in {item["slug"] for item in as_json}


def test_close_and_reopen(server: LocalServer, post_file: tuple[str, Path]) -> None:
    slug, path = post_file
    blogctl(server, "put-post", str(path))

    closed = blogctl(server, "close", slug, local=True)
    reopened = blogctl(server, "--json", "reopen", slug)

    assert closed.returncode == 0
    assert closed.stdout.startswith(f"{slug}: comments closed since ")
    assert json.loads(reopened.stdout) == {"slug": slug, "comments_open": True, "closed_at": None}


def test_the_moderation_queue_approve_spam_and_delete(
    server: LocalServer, post_file: tuple[str, Path]
) -> None:
    slug, path = post_file
    blogctl(server, "put-post", str(path))
    held = []
    for n in range(3):
        answer = server.request(
            "POST",
            f"/posts/{slug}/comments",
            json_body={
                "author_name": f"Leserin {n}",
                "content": f"{n} https://a.example https://b.example www.c.example",
            },
            source_address=client_address(),
        )
        held.append(answer.json()["id"])

    queue = blogctl(server, "pending")
    assert all(comment_id in queue.stdout for comment_id in held)
    assert blogctl(server, "approve", slug, held[0]).stdout.strip() == f"{slug} {held[0]}: approved"
    assert blogctl(server, "spam", slug, held[1]).stdout.strip() == f"{slug} {held[1]}: spam"
    assert blogctl(server, "delete", slug, held[2]).stdout.strip() == f"{slug} {held[2]}: deleted"

    left = json.loads(blogctl(server, "--json", "pending").stdout)
    assert not {comment["id"] for comment in left} & set(held)
    assert server.request("GET", f"/posts/{slug}").json()["comment_count"] == 1


def test_credentials_the_api_refuses_get_a_plain_message(server: LocalServer) -> None:
    refused = blogctl(server, "close", "willkommen-im-netzwerk-haselbacher-initiativen", secret="falsch")

    assert refused.returncode == 1
    assert refused.stderr.startswith("blogctl: these credentials may not administer this blog: Forbidden")


def test_a_refused_post_file_names_the_fields(server: LocalServer, tmp_path: Path) -> None:
    path = tmp_path / "ohne-titel.md"
    path.write_text("---\nauthor: A\ncategory: K\n---\nText\n", encoding="utf-8")

    refused = blogctl(server, "put-post", str(path))

    assert refused.returncode == 1
    assert "422" in refused.stderr
    assert "body.title: Field required" in refused.stderr


def test_a_file_without_front_matter_is_refused_before_any_request(
    server: LocalServer, tmp_path: Path
) -> None:
    path = tmp_path / "nur-text.md"
    path.write_text("Nur Text\n", encoding="utf-8")

    refused = blogctl(server, "put-post", str(path))

    assert refused.returncode == 1
    assert refused.stderr == f"blogctl: {path}: no front matter between --- lines at the top\n"


def test_an_unknown_comment_is_a_plain_404(server: LocalServer) -> None:
    refused = blogctl(server, "approve", "willkommen-im-netzwerk-haselbacher-initiativen", "01ABCDEFGHJKMNPQ")

    assert refused.returncode == 1
    assert "404" in refused.stderr
    assert "This post has no comment with this id." in refused.stderr
