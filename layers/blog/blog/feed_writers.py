"""feedgenerator's Atom 1.0 and RSS 2.0 writers, with the two things the blog's feeds need beyond
them: a feed's `updated` that is its newest entry's even when it has none (so that an empty feed
keeps its ETag), and the whole content of an RSS item (`content:encoded`, beside the summary in
`description`).

Imported only by blog.syndication when it writes a feed: feedgenerator is in the feeds function's
layer only.
"""

from datetime import datetime
from typing import Any

import feedgenerator  # type: ignore[import-untyped]

CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"


class AtomFeed(feedgenerator.Atom1Feed):  # type: ignore[misc]
    """An Atom 1.0 feed whose `updated` is given."""

    def __init__(self, *, updated: datetime, **fields: Any) -> None:
        super().__init__(**fields)
        self._updated = updated

    def latest_post_date(self) -> datetime:
        return self._updated


class RssFeed(feedgenerator.Rss201rev2Feed):  # type: ignore[misc]
    """An RSS 2.0 feed whose `lastBuildDate` is given and whose items carry their whole content."""

    def __init__(self, *, updated: datetime, **fields: Any) -> None:
        super().__init__(**fields)
        self._updated = updated

    def latest_post_date(self) -> datetime:
        return self._updated

    def rss_attributes(self) -> dict[str, str]:
        attributes: dict[str, str] = super().rss_attributes()
        return {**attributes, "xmlns:content": CONTENT_NAMESPACE}

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        if item["content"] is not None:
            handler.addQuickElement("content:encoded", item["content"])
