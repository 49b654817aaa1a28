"""The files in events/: which function each is for, and what it answers on the demo blog."""

import functools
import json
from pathlib import Path
from typing import Any

from local.template import (
    PROJECT_ROOT,
    LocalDeployment,
    functions,
    http_routes,
    load_template,
    parameter_defaults,
)

EVENTS_DIR = PROJECT_ROOT / "events"
EXPECTED_STATUS = {
    "list_posts.json": 200,
    "list_posts_category.json": 200,
    "get_post.json": 200,
    "get_post_not_found.json": 404,
    "list_comments.json": 200,
    "get_openapi.json": 200,
    "submit_comment.json": 201,
    "submit_comment_closed_thread.json": 403,
    "submit_comment_invalid.json": 422,
    "close_thread.json": 200,
    "reopen_thread.json": 200,
    "manage_posts.json": 201,
    "moderate_comments.json": 200,
    "moderate_comments_not_found.json": 404,
    "comment_counts.json": 200,
    "recent_comments.json": 200,
    "posts_atom_feed.json": 200,
    "posts_rss_feed_category.json": 200,
    "post_comments_atom_feed.json": 200,
    "comments_atom_feed.json": 200,
    "export_reader_data.json": 200,
    "forget_reader.json": 200,
    # Signed with another secret than the one a local run generates: a mail's real link is a 200.
    "mail_action_page.json": 400,
    "mail_action_one_click.json": 400,
    "list_editorial_posts.json": 200,
    "preview_post.json": 200,
    "delete_post.json": 204,
}
"""The status of each HTTP API event, invoked against the demo blog."""
SCHEDULED = {"auto_close.json", "notify.json"}
"""Events that are not HTTP requests (a schedule's, the table stream's)."""


@functools.cache
def _template() -> dict[str, Any]:
    """template.yaml, read once (only read, never changed, by this module)."""
    return load_template()


def function_for(event_file: Path) -> str:
    """The logical id of the function an event is for: the one serving its routeKey, else the one
    whose folder the file is named after."""
    template = _template()
    event = json.loads(event_file.read_text(encoding="utf-8"))
    if "routeKey" in event:
        return next(
            route.function_id for route in http_routes(template) if route.route_key == event["routeKey"]
        )
    definitions = functions(template, LocalDeployment(parameters=parameter_defaults(template)))
    return next(logical_id for logical_id, f in definitions.items() if f.folder_name == event_file.stem)
