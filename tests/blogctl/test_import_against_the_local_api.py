"""`blogctl import-wxr`, `export` and `import-jsonl` against `python -m local serve`: the table
commands reach the embedded DynamoDB that serve names in its log, and what they write is what the
API serves over HTTP."""

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_server import LocalServer, start_server

BLOGCTL = Path(sys.executable).parent / "blogctl"
DATA = Path(__file__).parents[1] / "data" / "wordpress-export.xml"
MEDIA = Path(__file__).parents[1] / "data" / "wxr" / "media.xml"
CLOSED = "rueckblick-strassenfest-muehlgasse"


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    running = start_server(tmp_path_factory.mktemp("serve-import"), "--no-demo")
    yield running
    assert running.stop() == 0


def dynamodb_endpoint(server: LocalServer) -> str:
    found = re.search(r"^DynamoDB (\S+) embedded \(moto\), table blog-local$", server.log(), re.MULTILINE)
    assert found is not None, server.log()
    return found[1]


def blogctl(server: LocalServer, *arguments: str) -> subprocess.CompletedProcess[str]:
    # No AWS credentials in the environment: --local brings its own.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    return subprocess.run(  # noqa: S603 (this project's console script)
        [str(BLOGCTL), "--local", "--endpoint-url", dynamodb_endpoint(server), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_wxr_into_the_local_blog_and_read_it_over_http(empty_server: LocalServer) -> None:
    imported = blogctl(empty_server, "import-wxr", str(DATA))

    assert imported.returncode == 0, imported.stderr
    assert "5 written, 0 already there" in imported.stdout
    progress = imported.stderr.splitlines()
    assert "import-wxr: done (5 posts, 7 comments)" in progress
    # The imported comments with an email address are found by a reader's data request at once.
    assert progress[-1] == "reader data: done (6 indexed)"
    listed = empty_server.request("GET", "/posts").json()["items"]
    assert len(listed) == 4
    post = empty_server.request("GET", f"/posts/{CLOSED}").json()
    assert post["title"] == "Rückblick: Straßenfest in der Mühlgasse"
    assert post["comments_open"] is False
    first, reply = post["comments"]
    assert reply["parent_id"] == first["id"]
    assert reply["created_at"] == "2024-09-17T07:30:00Z"

    again = blogctl(empty_server, "--json", "import-wxr", str(DATA))
    summary = json.loads(again.stdout)
    assert (summary["posts"]["written"], summary["comments"]["written"]) == (0, 0)


def test_export_and_restore_through_the_local_table(empty_server: LocalServer, tmp_path: Path) -> None:
    blogctl(empty_server, "import-wxr", str(DATA))
    backup = tmp_path / "backup.jsonl"

    exported = blogctl(empty_server, "export", str(backup))
    restored = blogctl(empty_server, "--json", "import-jsonl", str(backup))

    assert exported.returncode == 0, exported.stderr
    # Five posts (a head and a body each) and seven comments.
    assert len(backup.read_text(encoding="utf-8").splitlines()) == 17
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert json.loads(restored.stdout)["already_there"] == 17


def test_links_move_to_the_new_site_and_the_media_to_copy_are_written(
    empty_server: LocalServer, tmp_path: Path
) -> None:
    media_list = tmp_path / "media.txt"

    imported = blogctl(
        empty_server,
        "import-wxr",
        str(MEDIA),
        "--rewrite-url",
        "https://alt.example=https://neu.example",
        "--media-list",
        str(media_list),
    )

    assert imported.returncode == 0, imported.stderr
    assert "  media     5 files on the old site to copy:" in imported.stdout
    post = empty_server.request("GET", "/posts/beitrag-1").json()
    assert 'src="https://neu.example/wp-content/uploads/2025/03/fest.jpg"' in post["content_html"]
    assert "alt.example/" not in post["content_html"]
    assert "https://alt.example/wp-content/uploads/2025/01/plakat.png" in media_list.read_text().splitlines()
