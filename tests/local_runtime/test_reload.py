"""Code changes are picked up without restarting `serve`: a changed handler or a changed layer
file starts a fresh worker for the next request. Run on a copy of the project, so that no tracked
file is touched."""

import shutil
from pathlib import Path

from local.template import PROJECT_ROOT
from tests.local_server import start_server

WRAPPED_HANDLER = """

_handler_before_the_edit = lambda_handler


def lambda_handler(event, context):
    response = _handler_before_the_edit(event, context)
    response["headers"]["X-Edited-Handler"] = "yes"
    return response
"""


def copy_of_the_project(destination: Path) -> Path:
    ignored = shutil.ignore_patterns("__pycache__", ".*")
    destination.mkdir()
    for name in ("template.yaml", "functions", "layers", "local"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignored)
        else:
            shutil.copy2(source, destination / name)
    return destination


def test_a_changed_handler_and_a_changed_layer_are_served_without_a_restart(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path / "project")
    server = start_server(tmp_path, "--no-demo", project=project)
    try:
        before = server.request("GET", "/posts")
        with (project / "functions" / "list_posts" / "app.py").open("a", encoding="utf-8") as handler:
            handler.write(WRAPPED_HANDLER)
        after_handler = server.request("GET", "/posts")
        http_module = project / "layers" / "blog" / "blog" / "http_api.py"
        http_module.write_text(
            http_module.read_text(encoding="utf-8").replace(
                '_ALWAYS = {"X-Content-Type-Options": "nosniff"}',
                '_ALWAYS = {"X-Content-Type-Options": "nosniff", "X-Edited-Layer": "yes"}',
            ),
            encoding="utf-8",
        )
        after_layer = server.request("GET", "/posts")
    finally:
        assert server.stop() == 0

    assert before.headers["X-Edited-Handler"] is None
    assert after_handler.headers["X-Edited-Handler"] == "yes"
    assert after_layer.headers["X-Edited-Layer"] == "yes"
    assert server.log().count("ListPostsFunction | code changed: starting a fresh worker") == 2


def test_a_handler_that_raises_is_api_gateways_500_and_its_error_is_logged(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path / "project")
    (project / "functions" / "list_posts" / "app.py").write_text(
        'def lambda_handler(event, context):\n    raise RuntimeError("kaputt")\n', encoding="utf-8"
    )
    server = start_server(tmp_path, "--no-demo", project=project)
    try:
        answer = server.request("GET", "/posts")
    finally:
        assert server.stop() == 0

    assert (answer.status, answer.json()) == (500, {"message": "Internal Server Error"})
    assert "ListPostsFunction | [ERROR] RuntimeError: kaputt" in server.log()
    assert "GET /posts 500" in server.log()
