"""--parameter-overrides reach the functions as they would through CloudFormation, and the
template's constraints are enforced before anything starts."""

import pytest

from tests.local_server import SITE_ORIGIN, LocalServer, client_address, run_local, start_server


def test_comment_moderation_all_holds_a_new_comment(moderated_server: LocalServer) -> None:
    post = {
        "title": "Moderiert",
        "content": "Jeder Kommentar wartet.",
        "author": "Test",
        "category": "Tests",
        "published_at": "2026-01-01T08:00:00Z",
    }
    assert moderated_server.request("PUT", "/posts/moderiert", json_body=post, signed=True).status == 201

    answer = moderated_server.request(
        "POST",
        "/posts/moderiert/comments",
        json_body={"author_name": "Leser", "content": "Ganz harmlos."},
        source_address=client_address(),
    )

    assert (answer.status, answer.json()["status"]) == (201, "pending")


def test_cache_max_age_follows_its_override(moderated_server: LocalServer) -> None:
    answer = moderated_server.request("GET", "/posts")

    assert answer.headers["Cache-Control"] == "public, max-age=5"


def test_no_demo_starts_with_an_empty_table(moderated_server: LocalServer) -> None:
    slugs = {item["slug"] for item in moderated_server.request("GET", "/posts").json()["items"]}

    assert "willkommen-im-netzwerk-haselbacher-initiativen" not in slugs


def test_the_origin_the_cors_configuration_allows_follows_its_override(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = start_server(
        tmp_path_factory.mktemp("serve-origin"),
        "--no-demo",
        "--parameter-overrides",
        "AllowedOrigin=https://blog.example.org",
    )
    try:
        allowed = server.request("GET", "/posts", headers={"Origin": "https://blog.example.org"})
        default_site = server.request("GET", "/posts", headers={"Origin": SITE_ORIGIN})
    finally:
        assert server.stop() == 0

    assert allowed.headers["Access-Control-Allow-Origin"] == "https://blog.example.org"
    assert default_site.headers["Access-Control-Allow-Origin"] is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("CommentModeraton=all", "declares no parameter CommentModeraton"),
        ("CommentModeration=sometimes", "is not one of auto, all"),
        ("CacheMaxAgeSeconds=-5", "below its MinValue 0"),
        ("MaxCommentDepth=11", "above its MaxValue 10"),
    ],
)
def test_an_override_the_template_does_not_allow_stops_serve_before_it_starts(
    override: str, message: str
) -> None:
    finished = run_local("serve", "--port", "0", "--site-port", "0", "--parameter-overrides", override)

    assert finished.returncode == 2
    assert message in finished.stderr
    assert "API" not in finished.stdout
