"""A backup of the blog's posts and comments as JSON Lines, and its restore.

Each line is one item in DynamoDB's own JSON, `{"Item": {"pk": {"S": "POST#..."}, ...}}` (the form
DynamoDB's export to S3 writes), so types survive exactly: numbers stay numbers as DynamoDB holds
them, lists stay lists. Lines are in key order (posts by slug, each followed by its comments in
thread order) and written with sorted attribute names, so the same data always gives the same file,
byte for byte. A post is two lines, its head and its body, or one in the layout before the split:
either restores as it was (`blogctl migrate` then rewrites the old one). Only posts and comments
are in it: rate counters, duplicate guards and idempotency records are short-lived by design.

A restore writes the items the table lacks and leaves those it has as they are (it says how many
differ), so it is safe to run again after an interruption. Into an empty table it gives back
exactly what was exported.
"""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from blog.store.keys import POST_BODY_SK, POST_SK
from blogctl.bulk import BATCH_GET_LIMIT, BulkStore, ItemKey, is_post_or_comment, key_of
from blogctl.progress import Progress

PRIVATE_FILE_MODE = 0o600
"""A backup holds readers' email addresses: only its owner may read it."""
_TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})


class BackupError(ValueError):
    """A backup file that cannot be restored as it is."""


@dataclass
class ExportSummary:
    path: str
    table: str
    posts: int = 0
    comments: int = 0

    def counts(self) -> str:
        return f"{self.posts} posts, {self.comments} comments"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "table": self.table, "posts": self.posts, "comments": self.comments}

    def render(self) -> str:
        return (
            f"Exported {self.posts} posts and {self.comments} comments of the table {self.table} "
            f"to {self.path}"
        )


@dataclass
class RestoreSummary:
    path: str
    table: str
    written: int = 0
    present: int = 0
    differing: int = 0

    def counts(self) -> str:
        return f"{self.written} written, {self.present} already there"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "table": self.table,
            "written": self.written,
            "already_there": self.present,
            "differing": self.differing,
        }

    def render(self) -> str:
        text = (
            f"Restored {self.path} into the table {self.table}: {self.written} items written, "
            f"{self.present} already there"
        )
        if self.differing:
            text += f" ({self.differing} of them differ from the file and were left as they are)"
        return text


def backup_line(item: dict[str, Any]) -> str:
    """One item as a line of the backup: the same item always gives the same bytes."""
    return json.dumps({"Item": item}, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def export_items(store: BulkStore, path: Path, progress_stream: IO[str]) -> ExportSummary:
    """Write every post and comment of the table to `path`; a file is there only once complete."""
    summary = ExportSummary(path=str(path), table=store.table_name)
    partitions = store.post_partitions()
    partial = path.with_name(path.name + ".partial")
    try:
        with (
            Progress(progress_stream, len(partitions), label="export") as progress,
            _private_file(partial) as target,
        ):
            for done, partition in enumerate(partitions, start=1):
                for item in store.collection(partition):
                    target.write(backup_line(item))
                    sk = key_of(item)[1]
                    if sk == POST_SK:
                        summary.posts += 1
                    elif sk != POST_BODY_SK:
                        summary.comments += 1
                progress.update(done, summary.counts())
            progress.finish(summary.counts())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return summary


def _private_file(path: Path) -> IO[str]:
    """A new file at `path` for writing, readable by its owner alone from its first byte on."""
    # A file left behind by a killed run may have other permissions: it goes first.
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="\n")


def _items(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as source:
        for number, line in enumerate(source, start=1):
            if line.strip():
                yield number, _item(line, f"{path}, line {number}")


def _item(line: str, where: str) -> dict[str, Any]:
    try:
        entry = json.loads(line)
    except ValueError as error:
        raise BackupError(f"{where}: not JSON ({error})") from error
    item = entry.get("Item") if isinstance(entry, dict) else None
    if not isinstance(item, dict) or set(entry) != {"Item"}:
        raise BackupError(f'{where}: not a backup line ({{"Item": {{...}}}})')
    for name, value in item.items():
        if not (isinstance(value, dict) and len(value) == 1 and set(value) <= _TYPES):
            raise BackupError(f"{where}: attribute {name!r} is not in DynamoDB's JSON form")
    try:
        key = key_of(item)
    except (KeyError, TypeError) as error:
        raise BackupError(f"{where}: no string pk and sk") from error
    if not is_post_or_comment(key):
        raise BackupError(f"{where}: pk {key[0]!r}, sk {key[1]!r} is neither a post nor a comment")
    return item


def restore_items(store: BulkStore, path: Path, progress_stream: IO[str]) -> RestoreSummary:
    """Write the items of a backup that the table lacks. The whole file is checked first, so a
    damaged file is refused before anything is written."""
    total = sum(1 for _ in _items(path))
    summary = RestoreSummary(path=str(path), table=store.table_name)
    batch: dict[ItemKey, dict[str, Any]] = {}
    with Progress(progress_stream, total, label="import-jsonl") as progress:
        for _, item in _items(path):
            batch[key_of(item)] = item
            if len(batch) == BATCH_GET_LIMIT:
                _restore(store, batch, summary)
                batch = {}
                progress.update(summary.written + summary.present, summary.counts())
        _restore(store, batch, summary)
        progress.finish(summary.counts())
    return summary


def _restore(store: BulkStore, batch: dict[ItemKey, dict[str, Any]], summary: RestoreSummary) -> None:
    present = store.read(batch)
    store.put([item for key, item in batch.items() if key not in present])
    summary.written += len(batch) - len(present)
    summary.present += len(present)
    summary.differing += sum(1 for key, item in present.items() if item != batch[key])
