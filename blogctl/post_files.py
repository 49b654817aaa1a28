"""Post files: YAML front matter between `---` lines, then the Markdown body.

```
---
title: "Rückblick auf das Nachbarschaftsfest"
author: Miriam Albers
category: Veranstaltungen
tags: [Nachbarschaft, Fest]
published_at: 2026-06-22T16:20:00Z
comments_open: true
---
Markdown …
```

The slug is `slug:` in the front matter, else the file's name without `.md`. Without
`published_at` the post is a draft.
"""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

_FRONT_MATTER = re.compile(r"\A---\r?\n(?P<front>.*?)\r?\n---\r?\n(?P<body>.*)\Z", re.DOTALL)


class PostFileError(ValueError):
    """A post file that cannot be read as one."""


def _as_json(value: Any) -> Any:
    # YAML reads an unquoted timestamp as a datetime; the API takes ISO 8601 with a zone.
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00Z"
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value


def read_post_file(path: Path) -> tuple[str, dict[str, Any]]:
    """The slug and the `PUT /posts/{slug}` body a post file describes."""
    found = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if found is None:
        raise PostFileError(f"{path}: no front matter between --- lines at the top")
    try:
        front = yaml.safe_load(found["front"]) or {}
    except yaml.YAMLError as error:
        raise PostFileError(f"{path}: the front matter is not YAML: {error}") from error
    if not isinstance(front, dict):
        raise PostFileError(f"{path}: the front matter is not a mapping of fields")
    fields = {str(name): _as_json(value) for name, value in front.items()}
    slug = str(fields.pop("slug", path.stem))
    return slug, {**fields, "content": found["body"]}
