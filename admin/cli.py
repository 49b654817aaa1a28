"""blogctl: run a blog from the terminal with your AWS credentials.

    blogctl --stack my-blog put-post posts/sommerfest.md
    blogctl --stack my-blog pending
    blogctl --local close sommerfest          # the local API of `make run`

Admin requests are signed with SigV4 from the standard credential chain (--profile, the
environment, SSO), so IAM decides who may administer the blog.
"""

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from html import unescape
from pathlib import Path
from typing import Any

import boto3
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError

from admin.api import ApiError, BlogApi, Unreachable
from admin.post_files import PostFileError, read_post_file

LOCAL_API_URL = "http://127.0.0.1:3000"
LOCAL_CREDENTIALS = ReadOnlyCredentials("local", "local", None)
LOCAL_REGION = "us-east-1"
_EXECUTE_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")
_TAG = re.compile(r"<[^>]+>")


class Abort(Exception):
    """Stop with a message for the operator and exit code 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="blogctl",
        description="Administer a serverless blog over its API, with your AWS credentials.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--api-url", help="the API's base URL (the stack output ApiUrl)")
    where.add_argument("--stack", help="a CloudFormation stack of this project: its ApiUrl output is used")
    parser.add_argument(
        "--local",
        action="store_true",
        help=f"sign with the local runtime's credentials; the API is {LOCAL_API_URL} unless --api-url says",
    )
    parser.add_argument("--profile", help="the AWS profile to sign with (default: the credential chain)")
    parser.add_argument(
        "--region", help="the region to sign for (default: the API URL's, else the profile's)"
    )
    parser.add_argument("--json", action="store_true", help="print the API's JSON, for scripts")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    put = commands.add_parser(
        "put-post", help="create or update a post from a Markdown file with front matter"
    )
    put.add_argument("file", type=Path)
    for name, helptext in (("close", "close a post's comment thread"), ("reopen", "reopen it")):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("slug")
    commands.add_parser("pending", help="comments waiting for moderation, oldest first")
    for name, helptext in (
        ("approve", "publish a held comment"),
        ("spam", "mark a comment as spam"),
        ("delete", "delete a comment (a tombstone stays where it has replies)"),
    ):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("slug")
        command.add_argument("comment_id", metavar="ID")
    commands.add_parser("list", help="the published posts, newest first")
    return parser


def _session(arguments: argparse.Namespace) -> boto3.Session:
    return boto3.Session(profile_name=arguments.profile, region_name=arguments.region)


def _api(arguments: argparse.Namespace) -> BlogApi:
    if arguments.local:
        return BlogApi(arguments.api_url or LOCAL_API_URL, LOCAL_CREDENTIALS, LOCAL_REGION)
    if not (arguments.api_url or arguments.stack):
        raise Abort("say which blog: --stack NAME, --api-url URL, or --local")
    session = _session(arguments)
    url = arguments.api_url or _stack_api_url(session, arguments.stack)
    in_url = _EXECUTE_API_HOST.search(url)
    region = arguments.region or (in_url.group(1) if in_url else None) or session.region_name or LOCAL_REGION
    credentials = session.get_credentials()
    return BlogApi(url, None if credentials is None else credentials.get_frozen_credentials(), region)


def _stack_api_url(session: boto3.Session, stack: str) -> str:
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except (ClientError, BotoCoreError) as error:
        raise Abort(f"cannot read the stack {stack!r}: {error}") from error
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    if "ApiUrl" not in outputs:
        raise Abort(f"the stack {stack!r} has no ApiUrl output: is it a stack of this project?")
    return outputs["ApiUrl"]


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
    state = "published" if answer["published_at"] else "saved as a draft"
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
    api.call("DELETE", f"/posts/{arguments.slug}/comments/{arguments.comment_id}")
    return {"deleted": arguments.comment_id}, f"{arguments.slug} {arguments.comment_id}: deleted"


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


COMMANDS: dict[str, Callable[[BlogApi, argparse.Namespace], tuple[Any, str]]] = {
    "put-post": _put_post,
    "close": _thread("close"),
    "reopen": _thread("reopen"),
    "pending": _pending,
    "approve": _moderate("approve"),
    "spam": _moderate("spam"),
    "delete": _delete,
    "list": _list,
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when the API or the input refused it."""
    arguments = _parser().parse_args(argv)
    try:
        answer, summary = COMMANDS[arguments.command](_api(arguments), arguments)
    except ApiError as error:
        print(f"blogctl: {_explain(error)}", file=sys.stderr)
        return 1
    except (Abort, Unreachable) as error:
        print(f"blogctl: {error}", file=sys.stderr)
        return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2) if arguments.json else summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
