"""blogctl's editorial commands (drafts, scheduled, preview, delete of a post, put-post of a
scheduled file), on the API's handlers in this process."""

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from blogctl import cli
from blogctl.api import ApiError, BlogApi
from tests.conftest import iso


class InProcessBlogApi:
    """blogctl's view of the API, answered by the handlers in this process."""

    def __init__(self, api: Any) -> None:
        self._api = api

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Any:
        response = self._api.request(method, path, json_body=body, query=query, signed=signed)
        if response.status >= 400:
            raise ApiError(response.status, response.json(), method, path)
        return response.json() if response.body else None

    all_pages = BlogApi.all_pages


@pytest.fixture
def blogctl(api, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_api", lambda _: InProcessBlogApi(api))

    def run(*arguments: str, stdin: str | None = None, tty: bool = False) -> tuple[int, str, str]:
        stream = io.StringIO(stdin or "")
        stream.isatty = lambda: tty  # type: ignore[method-assign]
        monkeypatch.setattr("sys.stdin", stream)
        code = cli.main(["--local", *arguments])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def put(api, slug, **fields):
    body = {
        "title": f"Beitrag {slug}",
        "content": "Erster Absatz mit [Link](https://example.org/).\n\n- eins\n- zwei\n\n> Zitat „so“",
        "author": "Miriam Albers",
        "category": "Netzwerk",
        "tags": ["Ehrenamt"],
        **fields,
    }
    assert api.put(f"/posts/{slug}", json_body=body, signed=True).status in (200, 201)


def test_drafts_and_scheduled_list_what_the_public_cannot_see(api, blogctl):
    put(api, "entwurf")
    put(api, "geplant", published_at=iso(datetime.now(UTC) + timedelta(days=3)))
    put(api, "oeffentlich", published_at=iso(datetime.now(UTC) - timedelta(days=3)))

    code, drafts, _ = blogctl("drafts")
    _, scheduled, _ = blogctl("scheduled")
    _, as_json, _ = blogctl("--json", "scheduled")

    assert code == 0
    assert "entwurf" in drafts
    assert "geplant" not in drafts
    assert "oeffentlich" not in drafts
    assert "geplant" in scheduled
    assert "entwurf" not in scheduled
    assert [post["status"] for post in json.loads(as_json)] == ["scheduled"]


def test_nothing_to_list_says_so(blogctl):
    assert blogctl("drafts")[1].strip() == "No drafts."
    assert blogctl("scheduled")[1].strip() == "No posts are scheduled."


def test_preview_prints_a_draft_as_text(api, blogctl):
    put(api, "entwurf")

    code, out, _ = blogctl("preview", "entwurf")

    assert code == 0
    assert out.startswith("Beitrag entwurf\n")
    assert "draft, not published" in out
    assert "Erster Absatz mit Link <https://example.org/>." in out
    assert "- eins\n- zwei" in out
    assert "> Zitat „so“" in out
    assert "<p>" not in out


def test_preview_of_no_post_fails(blogctl):
    code, _, err = blogctl("preview", "gibt-es-nicht")

    assert code == 1
    assert "404" in err


def test_delete_asks_first_and_keeps_the_post_unless_told_yes(api, blogctl):
    put(api, "bleibt", published_at=iso(datetime.now(UTC) - timedelta(days=1)))

    no_terminal = blogctl("delete", "bleibt")
    declined = blogctl("delete", "bleibt", stdin="n\n", tty=True)

    assert no_terminal[0] == 1
    assert "--yes" in no_terminal[2]
    assert declined[0] == 1
    assert api.get("/posts/bleibt").status == 200


def test_delete_with_yes_or_confirmed_deletes_the_post(api, blogctl):
    put(api, "weg", published_at=iso(datetime.now(UTC) - timedelta(days=1)))
    put(api, "auch-weg", published_at=iso(datetime.now(UTC) - timedelta(days=1)))

    assert blogctl("delete", "weg", "--yes")[0] == 0
    assert blogctl("delete", "auch-weg", stdin="y\n", tty=True)[0] == 0
    assert api.get("/posts/weg").status == 404
    assert api.get("/posts/auch-weg").status == 404


def test_delete_with_an_id_still_deletes_one_comment_without_asking(api, blogctl):
    put(api, "mit-kommentar", published_at=iso(datetime.now(UTC) - timedelta(days=1)))
    comment = api.post("/posts/mit-kommentar/comments", json_body={"author_name": "Ada", "content": "Hallo"})

    code, out, _ = blogctl("delete", "mit-kommentar", comment.json()["id"])

    assert code == 0
    assert "deleted" in out
    assert api.get("/posts/mit-kommentar").json()["comments"] == []


def test_put_post_of_a_future_date_says_when_it_appears(blogctl, tmp_path):
    when = iso(datetime.now(UTC) + timedelta(days=2))
    path = tmp_path / "bald-da.md"
    path.write_text(
        f"---\ntitle: Bald da\nauthor: A\ncategory: K\npublished_at: {when}\n---\nText.\n", encoding="utf-8"
    )

    code, out, _ = blogctl("put-post", str(path))

    assert code == 0
    assert f"scheduled: it appears on {when}" in out
