"""Drives the Python client openapi-python-client generates from the OpenAPI document, against a
running API: run by test_python_client.py with the tool's interpreter (httpx and attrs are the
client's dependencies, not the project's), the generated package on its path. Prints what each
call answered, as JSON.
"""

import json
import sys
from typing import Any

from blog_api_client import Client  # type: ignore[import-not-found]
from blog_api_client.api.comments import submit_comment  # type: ignore[import-not-found]
from blog_api_client.api.posts import get_post, list_posts  # type: ignore[import-not-found]
from blog_api_client.models import NewComment  # type: ignore[import-not-found]


def main(api_url: str) -> dict[str, Any]:
    client = Client(base_url=api_url, raise_on_unexpected_status=True)
    page = list_posts.sync(client=client, limit=2)
    slug = page.items[0].slug
    post = get_post.sync(slug, client=client)
    comment = NewComment(author_name="Jürgen Weiß", content="„Danke“ für den Überblick!")
    submitted = submit_comment.sync_detailed(slug, client=client, body=comment)
    missing = get_post.sync("gibt-es-nicht", client=client)
    invalid = list_posts.sync(client=client, limit=500)
    return {
        "list": {"type": type(page).__name__, "slugs": [item.slug for item in page.items]},
        "get": {"type": type(post).__name__, "slug": post.slug, "title": post.title},
        "submit": {
            "status_code": int(submitted.status_code),
            "type": type(submitted.parsed).__name__,
            "author_name": submitted.parsed.author_name,
            "comment_status": str(submitted.parsed.status),
        },
        "not_found": {"type": type(missing).__name__, "status": missing.status, "problem": missing.type_},
        "invalid": {
            "type": type(invalid).__name__,
            "status": invalid.status,
            "locations": [list(error.loc) for error in invalid.errors],
        },
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False))
