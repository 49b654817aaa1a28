"""blogctl: run a blog from the terminal with your AWS credentials.

    blogctl --stack my-blog put-post posts/sommerfest.md
    blogctl --stack my-blog pending
    blogctl --stack my-blog drafts            # also: scheduled, preview SLUG, delete SLUG
    blogctl --local close sommerfest          # the local API of `make run`
    blogctl --stack my-blog import-wxr wordpress.xml
    blogctl --stack my-blog export backup.jsonl
    blogctl --stack my-blog migrate           # after deploying a release that changes the layout

Admin requests are signed with SigV4 from the standard credential chain (--profile, the
environment, SSO), so IAM decides who may administer the blog. The table commands (import-wxr,
export, import-jsonl, migrate) read and write the stack's DynamoDB table directly with the same credentials.
"""

import argparse
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import IO, Any

import boto3
from botocore.config import Config
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from blog import ids
from blog.errors import PostNotFound, ServiceUnavailable
from blog.keys import KeyRing, MalformedKeyRing, email_hash
from blogctl.api import ApiError, BlogApi, Unreachable
from blogctl.approved_index import backfill_approved_comments
from blogctl.backup import BackupError, export_items, restore_items
from blogctl.bulk import BulkStore
from blogctl.drafts_index import backfill_drafts
from blogctl.migrate import migrate_posts
from blogctl.post_files import PostFileError, read_post_file
from blogctl.preview import html_as_text
from blogctl.reader_index import backfill_reader_index
from blogctl.wordpress import UrlRewrite, import_wxr
from blogctl.wxr import WxrError

LOCAL_API_URL = "http://127.0.0.1:3000"
LOCAL_CREDENTIALS = ReadOnlyCredentials("local", "local", None)
LOCAL_REGION = "us-east-1"
LOCAL_TABLE = "blog-local"
LOCAL_SIGNING_SECRET = "SigningSecret"  # noqa: S105 (the secret's name in the local runtime, not a value)
"""The table of the local runtime (`make run`), in its embedded DynamoDB."""
# The operator's tools write thousands of items: more patience with a throttling table than the
# functions, whose retries must end inside a request.
TABLE_CLIENT_CONFIG = Config(retries={"mode": "adaptive", "total_max_attempts": 10}, tcp_keepalive=True)
_EXECUTE_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")
_TAG = re.compile(r"<[^>]+>")
# What a terminal would act on rather than show: C0 controls but tab and newline, DEL, C1 controls
# (U+009B is CSI), bidirectional controls. Shown as \uXXXX, which JSON reads back as the same text.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_RUN_AGAIN = "Run the same command again to finish: what is written stays, and only the rest is added."


def printable(text: str) -> str:
    """`text` as it may go to a terminal: each control character (titles and names of a hostile export
    could move the cursor or clear the screen) written as `\\uXXXX`."""
    return _TERMINAL_CONTROLS.sub(lambda found: f"\\u{ord(found.group(0)):04x}", text)


def _say(text: str, stream: IO[str]) -> None:
    print(printable(text), file=stream)


class Abort(Exception):
    """Stop with a message for the operator and exit code 1."""


def _names(commands: Iterable[str]) -> str:
    """Command names as the help and the messages list them: `import-wxr, export, import-jsonl`."""
    return ", ".join(commands)


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help, its lines never broken at a hyphen: `--api-url` stays whole (textwrap would
    break it into `--api-` and `url`)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(
            " ".join(text.split()),
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
        )

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blogctl",
        formatter_class=_HelpFormatter,
        description="Administer a serverless blog with your AWS credentials.",
        epilog=(
            f"Which blog: the API commands ({_names(COMMANDS)}) go through the API and need --stack, "
            f"--api-url or --local. The table commands ({_names(TABLE_COMMANDS)}) read and write the "
            "DynamoDB table directly and need --stack, "
            "--table, or --local with --endpoint-url (the embedded DynamoDB that `make run` prints: "
            f"DynamoDB http://127.0.0.1:PORT ..., table {LOCAL_TABLE})."
        ),
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--api-url", help="the API's base URL (the stack output ApiUrl); API commands")
    where.add_argument(
        "--stack",
        help="a CloudFormation stack of this project: its ApiUrl output (API commands) or TableName "
        "output (table commands) is used",
    )
    where.add_argument("--table", help="the DynamoDB table (the stack output TableName); table commands")
    parser.add_argument(
        "--local",
        action="store_true",
        help=f"the local runtime of `make run`: its credentials; the API is {LOCAL_API_URL} unless "
        f"--api-url says, the table {LOCAL_TABLE} unless --table says",
    )
    parser.add_argument(
        "--endpoint-url",
        help="the DynamoDB endpoint of the table commands, for a local DynamoDB (default: AWS's)",
    )
    parser.add_argument("--profile", help="the AWS profile to use (default: the credential chain)")
    parser.add_argument(
        "--region", help="the region of the API or the table (default: the API URL's, else the profile's)"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print JSON for scripts: the API's answer, a table command's summary",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    put = commands.add_parser(
        "put-post", help="create or update a post from a Markdown file with front matter"
    )
    put.add_argument("file", type=Path)
    for name, helptext in (("close", "close a post's comment thread"), ("reopen", "reopen it")):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("slug")
    commands.add_parser("pending", help="comments waiting for moderation, oldest first")
    for name, helptext in (("approve", "publish a held comment"), ("spam", "mark a comment as spam")):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("slug")
        command.add_argument("comment_id", metavar="ID")
    delete = commands.add_parser(
        "delete",
        help="delete a post with all its comments (asks first), or with ID one comment (a tombstone "
        "stays where it has replies)",
    )
    delete.add_argument("slug")
    delete.add_argument("comment_id", metavar="ID", nargs="?")
    delete.add_argument("--yes", action="store_true", help="delete a post without asking")
    commands.add_parser("list", help="the published posts, newest first")
    commands.add_parser("drafts", help="the drafts, the latest changed first")
    commands.add_parser("scheduled", help="the posts to be published later, the soonest first")
    preview = commands.add_parser(
        "preview", help="a post as readers will see it (drafts and scheduled posts too), as text"
    )
    preview.add_argument("slug")
    reader_data = commands.add_parser(
        "reader-data",
        help="everything stored under a reader's email address, as JSON (GDPR Art. 15)",
        description="Export a reader's comments (with their post and status), subscriptions and "
        "suppression state. Changes nothing. The file is readable by you alone (mode 0600).",
    )
    reader_data.add_argument("email", metavar="EMAIL")
    reader_data.add_argument(
        "--out", type=Path, metavar="FILE", help="write the JSON to FILE (mode 0600) instead of printing it"
    )
    forget = commands.add_parser(
        "forget",
        help="erase what is stored under a reader's email address (GDPR Art. 17; asks first); safe to "
        "run again",
        description="Comments lose name, email, URL and text (removed, or a tombstone where others "
        "replied); subscriptions, duplicate guards and idempotency records go; the address is "
        "suppressed (a keyed hash), so it is never mailed again.",
    )
    forget.add_argument("email", metavar="EMAIL")
    forget.add_argument("--yes", action="store_true", help="erase without asking")

    wxr = commands.add_parser(
        "import-wxr",
        help="import a WordPress export (WXR) into the table: posts, comments, replies, closed threads",
        description="Import the posts and comments of a WordPress export (Tools > Export > All "
        "content). Running it again adds only what is missing; nothing already there changes.",
    )
    wxr.add_argument("file", type=Path, metavar="FILE.xml")
    wxr.add_argument("--dry-run", action="store_true", help="read the file and report; write nothing")
    wxr.add_argument(
        "--rewrite-url",
        action="append",
        default=[],
        type=_url_rewrite,
        metavar="OLD=NEW",
        help="move links and image sources in posts and comments from the old site to the new one "
        "(http, https and // addresses under OLD); repeatable",
    )
    wxr.add_argument(
        "--media-list",
        type=Path,
        metavar="FILE",
        help="write the addresses of the old site's files the posts use (attachments, wp-content/uploads), "
        "one a line, to copy them over",
    )
    wxr.add_argument(
        "--signing-secret",
        metavar="ARN",
        help="the signing secret (the stack output SigningSecretArn), to index imported comments by "
        "the keyed hash of their email address (a reader's data on request); found by --stack, needed "
        "with --table",
    )
    export = commands.add_parser(
        "export", help="back up every post and comment of the table to a JSON Lines file"
    )
    export.add_argument("file", type=Path, metavar="FILE.jsonl")
    restore = commands.add_parser(
        "import-jsonl",
        help="restore a backup made by export: writes what the table lacks, leaves the rest as it is",
    )
    restore.add_argument("file", type=Path, metavar="FILE.jsonl")
    migrate = commands.add_parser(
        "migrate",
        help="rewrite the items of an older layout as this release stores them (posts as head and "
        "body, the keys of the newer indexes); safe to run again and while the blog serves",
    )
    migrate.add_argument(
        "--signing-secret",
        metavar="ARN",
        help="the signing secret (the stack output SigningSecretArn), to index comments by the keyed "
        "hash of their email address; found by --stack, needed with --table",
    )
    return parser


def _url_rewrite(text: str) -> UrlRewrite:
    try:
        return UrlRewrite.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _session(arguments: argparse.Namespace) -> boto3.Session:
    return boto3.Session(profile_name=arguments.profile, region_name=arguments.region)


def _api(arguments: argparse.Namespace) -> BlogApi:
    if arguments.table or arguments.endpoint_url:
        raise Abort(
            f"{arguments.command} works through the API: name it with --stack, --api-url or --local "
            f"(--table and --endpoint-url are for {_names(TABLE_COMMANDS)})"
        )
    if arguments.local:
        return BlogApi(arguments.api_url or LOCAL_API_URL, LOCAL_CREDENTIALS, LOCAL_REGION)
    if not (arguments.api_url or arguments.stack):
        raise Abort("say which blog: --stack NAME, --api-url URL, or --local")
    session = _session(arguments)
    url = arguments.api_url or _stack_output(session, arguments.stack, "ApiUrl")
    in_url = _EXECUTE_API_HOST.search(url)
    region = arguments.region or (in_url.group(1) if in_url else None) or session.region_name or LOCAL_REGION
    credentials = session.get_credentials()
    return BlogApi(url, None if credentials is None else credentials.get_frozen_credentials(), region)


def _stack_output(session: boto3.Session, stack: str, name: str) -> str:
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except (ClientError, BotoCoreError) as error:
        raise Abort(f"cannot read the stack {stack!r}: {error}") from error
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    if name not in outputs:
        raise Abort(f"the stack {stack!r} has no {name} output: is it a stack of this project?")
    return outputs[name]


def _bulk_store(arguments: argparse.Namespace) -> BulkStore:
    """The table a table command works on, checked to be there."""
    command = arguments.command
    if arguments.api_url:
        raise Abort(
            f"{command} reads and writes the table directly, not through the API: name it with "
            "--stack, --table, or --local --endpoint-url URL"
        )
    if arguments.local:
        if not arguments.endpoint_url:
            raise Abort(
                f"--local needs --endpoint-url for {command}: the embedded DynamoDB's address, which "
                "`make run` prints first (DynamoDB http://127.0.0.1:PORT embedded (moto), table "
                f"{LOCAL_TABLE})"
            )
        client = boto3.client(
            "dynamodb",
            endpoint_url=arguments.endpoint_url,
            region_name=LOCAL_REGION,
            aws_access_key_id=LOCAL_CREDENTIALS.access_key,
            aws_secret_access_key=LOCAL_CREDENTIALS.secret_key,
            config=TABLE_CLIENT_CONFIG,
        )
        table = arguments.table or LOCAL_TABLE
    else:
        if not (arguments.table or arguments.stack):
            raise Abort("say which table: --stack NAME, --table NAME, or --local --endpoint-url URL")
        session = _session(arguments)
        table = arguments.table or _stack_output(session, arguments.stack, "TableName")
        client = session.client("dynamodb", endpoint_url=arguments.endpoint_url, config=TABLE_CLIENT_CONFIG)
    where = arguments.endpoint_url or client.meta.region_name
    try:
        client.describe_table(TableName=table)
    except NoCredentialsError as error:
        raise Abort("no AWS credentials found: set a profile (--profile), the environment, or SSO") from error
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise Abort(f"there is no table {table!r} at {where}") from error
        raise Abort(f"cannot use the table {table!r} at {where}: {error}") from error
    except BotoCoreError as error:
        raise Abort(f"DynamoDB at {where} does not answer: {error}") from error
    return BulkStore(client, table)


def _text(html: str, width: int = 60) -> str:
    flat = " ".join(unescape(_TAG.sub(" ", html)).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


def _put_post(api: BlogApi, arguments: argparse.Namespace) -> tuple[Any, str]:
    try:
        slug, post = read_post_file(arguments.file)
    except (OSError, PostFileError) as error:
        raise Abort(str(error)) from error
    answer = api.call("PUT", f"/posts/{slug}", body=post)
    published_at = answer["published_at"]
    if published_at is None:
        state = "saved as a draft"
    elif datetime.fromisoformat(published_at) > datetime.now(UTC):
        state = f"scheduled: it appears on {published_at}"
    else:
        state = "published"
    return answer, f"{slug}: {state} ({'comments open' if answer['comments_open'] else 'comments closed'})"


def _thread(action: str) -> Callable[[BlogApi, argparse.Namespace], tuple[Any, str]]:
    def run(api: BlogApi, arguments: argparse.Namespace) -> tuple[Any, str]:
        answer = api.call("POST", f"/posts/{arguments.slug}/{action}")
        if answer["comments_open"]:
            return answer, f"{arguments.slug}: comments open"
        return answer, f"{arguments.slug}: comments closed since {answer['closed_at']}"

    return run


def _moderate(action: str) -> Callable[[BlogApi, argparse.Namespace], tuple[Any, str]]:
    def run(api: BlogApi, arguments: argparse.Namespace) -> tuple[Any, str]:
        answer = api.call("POST", f"/posts/{arguments.slug}/comments/{arguments.comment_id}/{action}")
        return answer, f"{arguments.slug} {arguments.comment_id}: {answer['status']}"

    return run


def _delete(api: BlogApi, arguments: argparse.Namespace) -> tuple[Any, str]:
    if arguments.comment_id is not None:
        api.call("DELETE", f"/posts/{arguments.slug}/comments/{arguments.comment_id}")
        return {"deleted": arguments.comment_id}, f"{arguments.slug} {arguments.comment_id}: deleted"
    if not arguments.yes:
        _confirm(f"Delete the post {arguments.slug} and all its comments? This cannot be undone.")
    api.call("DELETE", f"/posts/{arguments.slug}")
    return {"deleted": arguments.slug}, f"{arguments.slug}: deleted, with its comments"


def _confirm(question: str) -> None:
    """Ask on the terminal; Abort unless the operator answers yes (never without a terminal)."""
    if not sys.stdin.isatty():
        raise Abort(f"{question} Say --yes to go ahead without a terminal to ask on.")
    _say(f"{question} [y/N] ", sys.stderr)
    if input().strip().lower() not in ("y", "yes"):
        raise Abort("nothing changed")


def _posts_of(status: str, empty: str) -> Callable[[BlogApi, argparse.Namespace], tuple[Any, str]]:
    def run(api: BlogApi, _: argparse.Namespace) -> tuple[Any, str]:
        posts = api.all_pages("/admin/posts", query={"status": status, "limit": "50"})
        if not posts:
            return posts, empty
        if status == "draft":
            rows = [(p["updated_at"], p["slug"], p["title"]) for p in posts]
            return posts, _table(rows, ("changed", "slug", "title"))
        rows = [(p["published_at"], p["slug"], p["title"]) for p in posts]
        return posts, _table(rows, ("appears" if status == "scheduled" else "published", "slug", "title"))

    return run


def _preview(api: BlogApi, arguments: argparse.Namespace) -> tuple[Any, str]:
    post = api.call("GET", f"/admin/posts/{arguments.slug}")
    when = {
        "draft": "draft, not published",
        "scheduled": f"scheduled: appears on {post['published_at']}",
        "published": f"published on {post['published_at']}",
    }[post["status"]]
    lines = [
        post["title"],
        "=" * min(len(post["title"]), 80),
        f"{post['author']} · {post['category']} · {when}",
    ]
    if post["tags"]:
        lines.append("Tags: " + ", ".join(post["tags"]))
    lines += ["", html_as_text(post["content_html"])]
    if post["comments"]:
        lines += ["", f"Comments ({post['comment_count']})", "-" * 12]
        for comment in post["comments"]:
            depth = "  " * comment["id"].count(ids.SEPARATOR)
            author = comment["author_name"] or "(deleted)"
            lines.append(f"{depth}{author}, {comment['created_at']}:")
            lines += [f"{depth}  {line}" for line in html_as_text(comment["content_html"]).splitlines()]
    return post, "\n".join(lines)


def _pending(api: BlogApi, _: argparse.Namespace) -> tuple[Any, str]:
    comments = api.all_pages("/comments", query={"status": "pending"})
    if not comments:
        return comments, "No comments are waiting for moderation."
    rows = [
        (c["created_at"], c["post_slug"], c["id"], c["author_name"], _text(c["content_html"]))
        for c in comments
    ]
    return comments, _table(rows, ("created", "post", "id", "author", "comment"))


def _list(api: BlogApi, _: argparse.Namespace) -> tuple[Any, str]:
    posts = api.all_pages("/posts", query={"limit": "50"}, signed=False)
    if not posts:
        return posts, "No published posts."
    rows = [
        (
            p["published_at"],
            p["slug"],
            str(p["comment_count"]),
            "open" if p["comments_open"] else "closed",
            p["title"],
        )
        for p in posts
    ]
    return posts, _table(rows, ("published", "slug", "comments", "thread", "title"))


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by the owner alone (mode 0600), also when the
    file was there before with wider permissions."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)


def _reader_data(api: BlogApi, arguments: argparse.Namespace) -> tuple[Any, str]:
    answer = api.call("POST", "/admin/readers/data", body={"email": arguments.email})
    found = f"{len(answer['comments'])} comments, {len(answer['subscriptions'])} subscriptions, " + (
        "suppressed" if answer["suppression"] else "not suppressed"
    )
    if arguments.out is None:
        return answer, json.dumps(answer, ensure_ascii=False, indent=2)
    write_private(arguments.out, json.dumps(answer, ensure_ascii=False, indent=2) + "\n")
    return {"file": str(arguments.out)}, f"{arguments.email}: {found}; written to {arguments.out} (mode 0600)"


def _forget(api: BlogApi, arguments: argparse.Namespace) -> tuple[Any, str]:
    if not arguments.yes:
        _confirm(f"Erase everything stored under {arguments.email}? This cannot be undone.")
    answer = api.call("POST", "/admin/readers/forget", body={"email": arguments.email})
    lines = [
        f"{arguments.email}: {answer['comments_removed']} comments removed, "
        f"{answer['comments_tombstoned']} kept as tombstones (others replied), "
        f"{answer['subscriptions_removed']} subscriptions removed, "
        f"{answer['duplicate_guards_removed']} duplicate guards and "
        f"{answer['idempotency_records_removed']} idempotency records removed; "
        + ("suppressed now: never mailed again" if answer["suppressed_now"] else "was suppressed already")
    ]
    lines += [
        f"  {record['record']} of {record['post_slug']} {record['comment_id']} may remain until "
        f"{record['expires_at']} (deleted by TTL)"
        for record in answer["expiring"]
    ]
    return answer, "\n".join(lines)


def _import_wxr(arguments: argparse.Namespace) -> tuple[Any, str]:
    path: Path = arguments.file
    store = None if arguments.dry_run else _bulk_store(arguments)
    with path.open("rb") as source:
        summary = import_wxr(
            source,
            name=str(path),
            size=path.stat().st_size,
            store=store,
            progress_stream=sys.stderr,
            rewrites=arguments.rewrite_url,
        )
    if arguments.media_list is not None:
        arguments.media_list.write_text(
            "".join(f"{url}\n" for url in sorted(summary.media)), encoding="utf-8"
        )
    if store is None:
        return summary.as_dict(), summary.render()
    # Comments with an email address join their author's data (ReaderData), as the API's do.
    try:
        readers = backfill_reader_index(
            store.client, store.table_name, _address_hasher(arguments), sys.stderr
        )
    except (NoSigningSecret, UnreadableSigningSecret) as error:
        # The posts and comments are in: indexing them by address can follow with `migrate`.
        _say(
            f"blogctl: {error}\nblogctl: the imported comments with an email address are not yet among "
            "their authors' data (a reader's data on request): run `blogctl migrate` with --stack or "
            "--signing-secret ARN",
            sys.stderr,
        )
        return summary.as_dict(), summary.render()
    return (
        {**summary.as_dict(), "reader_items_indexed": readers},
        f"{summary.render()}; {readers} comments indexed by their author's email address",
    )


def _export(arguments: argparse.Namespace) -> tuple[Any, str]:
    summary = export_items(_bulk_store(arguments), arguments.file, sys.stderr)
    return summary.as_dict(), summary.render()


def _import_jsonl(arguments: argparse.Namespace) -> tuple[Any, str]:
    summary = restore_items(_bulk_store(arguments), arguments.file, sys.stderr)
    return summary.as_dict(), summary.render()


class NoSigningSecret(Abort):
    """Comments must be indexed by email address, and no command line option names the secret."""


class UnreadableSigningSecret(Abort):
    """The signing secret named could not be read (absent, denied, not JSON)."""


def _address_hasher(arguments: argparse.Namespace) -> Callable[[str], str]:
    """blog.keys.email_hash with the blog's key ring, read from Secrets Manager on first use (a
    table whose comments are all indexed never needs it); NoSigningSecret when none is named."""
    rings: list[KeyRing] = []

    def read_secret() -> Any:
        if arguments.local:
            client = boto3.client(
                "secretsmanager",
                endpoint_url=arguments.endpoint_url,
                region_name=LOCAL_REGION,
                aws_access_key_id=LOCAL_CREDENTIALS.access_key,
                aws_secret_access_key=LOCAL_CREDENTIALS.secret_key,
            )
            # The local runtime names each secret by its logical id (local/secrets_manager.py).
            secret_id = arguments.signing_secret or LOCAL_SIGNING_SECRET
        else:
            session = _session(arguments)
            client = session.client("secretsmanager")
            secret_id = arguments.signing_secret
            if secret_id is None and arguments.stack:
                secret_id = _stack_output(session, arguments.stack, "SigningSecretArn")
            if secret_id is None:
                raise NoSigningSecret(
                    "comments need the signing secret to be indexed by email address: name it with "
                    "--signing-secret ARN (the stack output SigningSecretArn) or use --stack"
                )
        try:
            return json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
        except (ClientError, BotoCoreError, ValueError) as error:
            raise UnreadableSigningSecret(f"cannot read the signing secret {secret_id}: {error}") from error

    def hash_address(address: str) -> str:
        if not rings:
            rings.append(KeyRing(read_secret))
        return email_hash(address, rings[0])

    return hash_address


def _migrate(arguments: argparse.Namespace) -> tuple[Any, str]:
    store = _bulk_store(arguments)
    summary = migrate_posts(store, sys.stderr)
    # The indexes of the last releases: what was written before each gets its key.
    indexed = backfill_approved_comments(store.client, store.table_name, sys.stderr)
    drafts = backfill_drafts(store.client, store.table_name, sys.stderr)
    readers = backfill_reader_index(store.client, store.table_name, _address_hasher(arguments), sys.stderr)
    return (
        {
            **summary.as_dict(),
            "approved_comments_indexed": indexed,
            "drafts_indexed": drafts,
            "reader_items_indexed": readers,
        },
        f"{summary.render()}; {indexed} approved comments added to the index of recent comments; "
        f"{drafts} drafts added to the list of drafts; "
        f"{readers} comments, subscriptions and suppressions added to the index of readers' data",
    )


@dataclass(frozen=True)
class TableCommand:
    run: Callable[[argparse.Namespace], tuple[Any, str]]
    after_stop: str
    """What an operator should know when the command stops midway."""


TABLE_COMMANDS: dict[str, TableCommand] = {
    "import-wxr": TableCommand(_import_wxr, after_stop=_RUN_AGAIN),
    "export": TableCommand(_export, after_stop="No file was written."),
    "import-jsonl": TableCommand(_import_jsonl, after_stop=_RUN_AGAIN),
    "migrate": TableCommand(
        _migrate, after_stop="Run the same command again to finish: the posts rewritten stay so."
    ),
}
"""Commands on the table itself, for moving a blog and backing it up."""

COMMANDS: dict[str, Callable[[BlogApi, argparse.Namespace], tuple[Any, str]]] = {
    "put-post": _put_post,
    "close": _thread("close"),
    "reopen": _thread("reopen"),
    "pending": _pending,
    "approve": _moderate("approve"),
    "spam": _moderate("spam"),
    "delete": _delete,
    "list": _list,
    "drafts": _posts_of("draft", "No drafts."),
    "scheduled": _posts_of("scheduled", "No posts are scheduled."),
    "preview": _preview,
    "reader-data": _reader_data,
    "forget": _forget,
}


def _explain(error: ApiError) -> str:
    if error.status == 403 and "message" in error.problem:
        return (
            f"these credentials may not administer this blog: {error.problem['message']} (API Gateway "
            "refused the signature, or IAM denies execute-api:Invoke: check --profile and its policy)"
        )
    errors = error.problem.get("errors") or []
    details = "".join(f"\n  {'.'.join(map(str, e.get('loc', [])))}: {e.get('msg')}" for e in errors)
    return f"{error}{details}"


def _run(arguments: argparse.Namespace) -> tuple[Any, str]:
    if arguments.command in TABLE_COMMANDS:
        return TABLE_COMMANDS[arguments.command].run(arguments)
    return COMMANDS[arguments.command](_api(arguments), arguments)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when the API, the table or the input refused it."""
    arguments = _parser().parse_args(argv)
    try:
        answer, summary = _run(arguments)
    except ApiError as error:
        _say(f"blogctl: {_explain(error)}", sys.stderr)
        return 1
    except (Abort, Unreachable, WxrError, BackupError, MalformedKeyRing) as error:
        _say(f"blogctl: {error}", sys.stderr)
        return 1
    except OSError as error:
        where = f"{error.filename}: {error.strerror}" if error.filename else str(error)
        _say(f"blogctl: {where}", sys.stderr)
        return 1
    except (ServiceUnavailable, PostNotFound, ClientError, BotoCoreError) as error:
        # Mostly midway through a table command: what an operator should do next.
        table_command = TABLE_COMMANDS.get(arguments.command)
        advice = table_command.after_stop if table_command else None
        _say(
            f"blogctl: {arguments.command} stopped: {str(error).rstrip('.')}."
            + (f" {advice}" if advice else ""),
            sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        if arguments.command not in TABLE_COMMANDS:
            raise
        _say(
            f"\nblogctl: {arguments.command} interrupted. {TABLE_COMMANDS[arguments.command].after_stop}",
            sys.stderr,
        )
        return 130
    _say(json.dumps(answer, ensure_ascii=False, indent=2) if arguments.json else summary, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
