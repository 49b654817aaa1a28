"""`blogctl migrate`: rewrite the posts of the layout before the split (one item holding the body)
as a head and a body item (blog.store.keys), for the one release that reads both (DESIGN.md,
"Schema changes").

Each post is read and, when old, rewritten in one transaction of its own, conditioned on what was
read: a post already split is left as it is, and a post the API changes meanwhile is read again.
So the command is idempotent and resumable: stopped anywhere, run again, it goes on where it
stopped (what is done is one strongly consistent read per post). It runs while the blog serves,
since the code of this release reads and writes both layouts.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from blogctl.bulk import BulkStore, PostLayout
from blogctl.progress import Progress


@dataclass
class MigrateSummary:
    table: str
    layouts: Counter[PostLayout] = field(default_factory=Counter)

    def counts(self) -> str:
        return f"{self.layouts[PostLayout.OLD]} rewritten, {self.layouts[PostLayout.NEW]} already split"

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rewritten": self.layouts[PostLayout.OLD],
            "already_split": self.layouts[PostLayout.NEW],
            "comments_without_post": self.layouts[PostLayout.ABSENT],
        }

    def render(self) -> str:
        text = (
            f"Migrated the table {self.table}: {self.layouts[PostLayout.OLD]} posts rewritten as head "
            f"and body, {self.layouts[PostLayout.NEW]} already split"
        )
        if self.layouts[PostLayout.ABSENT]:
            text += f"; comments of {self.layouts[PostLayout.ABSENT]} posts no longer there left as they are"
        return text


def migrate_posts(store: BulkStore, progress_stream: IO[str]) -> MigrateSummary:
    """Split every post of the table that is still one item; the counts of each layout found."""
    summary = MigrateSummary(table=store.table_name)
    partitions = store.post_partitions()
    with Progress(progress_stream, len(partitions), label="migrate") as progress:
        for done, partition in enumerate(partitions, start=1):
            summary.layouts[store.split_post(partition)] += 1
            progress.update(done, summary.counts())
        progress.finish(summary.counts())
    return summary
