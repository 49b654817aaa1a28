"""The demo site's server: the files of site/ with their content types, and a /config.js that
points the site at the API on whatever port it runs."""

from tests.local_server import LocalServer


def test_config_js_points_the_site_at_the_api(server: LocalServer) -> None:
    answer = server.request("GET", "/config.js", base_url=server.site_url)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert answer.body.decode() == f'window.BLOG_CONFIG = {{ apiBaseUrl: "{server.api_url}" }};\n'


def test_the_page_and_its_scripts_have_their_content_types(server: LocalServer) -> None:
    page = server.request("GET", "/", base_url=server.site_url)
    script = server.request("GET", "/app.js", base_url=server.site_url)
    style = server.request("GET", "/style.css", base_url=server.site_url)

    assert (page.status, page.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert b'lang="de"' in page.body
    assert (script.status, script.headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    assert (style.status, style.headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert page.headers["Cache-Control"] == "no-cache"


def test_a_missing_file_is_a_404(server: LocalServer) -> None:
    assert server.request("GET", "/gibt-es-nicht.js", base_url=server.site_url).status == 404


def test_serve_points_out_a_site_origin_the_api_does_not_allow(server: LocalServer) -> None:
    # The session's site runs on a free port, not on 8080 as the AllowedOrigin default expects.
    assert f"add --parameter-overrides AllowedOrigin={server.site_url}" in server.log()
