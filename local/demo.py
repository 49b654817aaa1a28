"""The demo blog (local/demo/), loaded through the API itself, as an operator and readers would.

Posts go through the admin route `PUT /posts/{slug}` (signed), comments and replies through the
public `POST /posts/{slug}/comments`, closing through `POST /posts/{slug}/close`: the demo passes
the same validation as real use and nothing is written to the table behind the API's back.

Each comment is sent from a loopback address of its own (127.0.0.2, 127.0.0.3, ...: Linux routes
all of 127.0.0.0/8 to the loopback interface), as if each came from another reader. The API limits
comments per client address, as API Gateway sees it on the socket, and the demo must not trip that.
"""

import errno
import http.client
import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from blogctl.post_files import PostFileError, read_post_file
from local.sigv4 import Signer

DEMO_DIR = Path(__file__).resolve().parent / "demo"
POSTS_DIR = DEMO_DIR / "posts"
THREADS_FILE = DEMO_DIR / "threads.yaml"
FIRST_CLIENT_ADDRESS = ipaddress.IPv4Address("127.0.0.2")
POST_PATH = "/posts/{slug}"
COMMENTS_PATH = "/posts/{slug}/comments"
CLOSE_PATH = "/posts/{slug}/close"
DEMO_CALLS = (("PUT", POST_PATH), ("POST", COMMENTS_PATH), ("POST", CLOSE_PATH))
"""The API calls the demo is loaded with (method, path)."""
CLOSED_THREAD_PROBLEM = "/problems/comments-closed"
"""The problem type of the API's answer to a comment on a closed thread."""


class DemoLoadError(RuntimeError):
    """The API refused part of the demo content."""


class ThreadClosed(DemoLoadError):
    """The API takes no comments on the thread (with CloseCommentsAfterDays set, old posts' threads
    close by themselves)."""


@dataclass(frozen=True)
class DemoPost:
    """A post of the demo: its slug and the body `PUT /posts/{slug}` takes."""

    slug: str
    body: dict[str, Any]


@dataclass(frozen=True)
class DemoComment:
    """A comment of the demo, with its replies."""

    body: dict[str, Any]
    replies: tuple["DemoComment", ...]


@dataclass(frozen=True)
class DemoThread:
    """A post's comments, and whether the thread is closed once they are in."""

    slug: str
    comments: tuple[DemoComment, ...]
    close: bool


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded."""

    posts: int
    comments: int
    closed_threads: int
    threads_left_out: tuple[str, ...] = ()
    """Threads whose comments the API did not take, because they were closed already."""


class DemoClient(Protocol):
    """The three API calls the demo is loaded with."""

    def put_post(self, slug: str, body: dict[str, Any]) -> None:
        """`PUT /posts/{slug}`, signed."""

    def submit_comment(self, slug: str, body: dict[str, Any], client_address: str) -> dict[str, Any]:
        """`POST /posts/{slug}/comments` from `client_address`; the stored comment."""
        ...

    def close_thread(self, slug: str) -> None:
        """`POST /posts/{slug}/close`, signed."""


def read_post(path: Path) -> DemoPost:
    """A post file: YAML front matter between `---` lines, then the Markdown body (read as blogctl
    reads one, blogctl.post_files)."""
    try:
        slug, body = read_post_file(path)
    except PostFileError as error:
        raise DemoLoadError(str(error)) from error
    return DemoPost(slug=slug, body=body)


def read_posts(directory: Path = POSTS_DIR) -> list[DemoPost]:
    """Every post of the demo, oldest first."""
    posts = [read_post(path) for path in sorted(directory.glob("*.md"))]
    return sorted(posts, key=lambda post: str(post.body.get("published_at", "")))


def _comment(entry: dict[str, Any]) -> DemoComment:
    replies = tuple(_comment(reply) for reply in entry.get("replies") or [])
    body = {name: value for name, value in entry.items() if name != "replies"}
    return DemoComment(body=body, replies=replies)


def read_threads(path: Path = THREADS_FILE) -> list[DemoThread]:
    """The comment threads of the demo."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        DemoThread(
            slug=entry["post"],
            comments=tuple(_comment(comment) for comment in entry.get("comments") or []),
            close=bool(entry.get("close", False)),
        )
        for entry in entries
    ]


def client_addresses() -> Iterator[str]:
    """Loopback addresses, one for each comment: 127.0.0.2, 127.0.0.3, ..."""
    address = FIRST_CLIENT_ADDRESS
    while True:
        yield str(address)
        address += 1


def load_demo(
    client: DemoClient,
    posts: list[DemoPost],
    threads: list[DemoThread],
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> DemoSummary:
    """Load the posts, then each thread's comments (replies under the ids the API gave their
    parents), then close the threads marked `close`.

    A thread the API already keeps closed is left out rather than failing the whole demo.
    """
    for post in posts:
        client.put_post(post.slug, post.body)
        progress(f"post {post.slug}")
    addresses = client_addresses()
    comments = 0

    def submit(slug: str, comment: DemoComment, parent_id: str | None) -> None:
        nonlocal comments
        body = comment.body if parent_id is None else {**comment.body, "parent_id": parent_id}
        stored = client.submit_comment(slug, body, next(addresses))
        comments += 1
        for reply in comment.replies:
            submit(slug, reply, stored["id"])

    closed = 0
    left_out = []
    for thread in threads:
        try:
            for comment in thread.comments:
                submit(thread.slug, comment, None)
        except ThreadClosed:
            left_out.append(thread.slug)
            progress(
                f"comments on {thread.slug} left out: the thread takes no comments (CloseCommentsAfterDays?)"
            )
            continue
        if thread.close:
            client.close_thread(thread.slug)
            closed += 1
        progress(f"comments on {thread.slug}" + (", thread closed" if thread.close else ""))
    return DemoSummary(
        posts=len(posts), comments=comments, closed_threads=closed, threads_left_out=tuple(left_out)
    )


def _problem_type(answer: str) -> str | None:
    try:
        problem = json.loads(answer)
    except ValueError:
        return None
    return problem.get("type") if isinstance(problem, dict) else None


class HttpDemoClient:
    """The demo's API calls over HTTP, admin calls signed with the local credentials."""

    def __init__(self, host: str, port: int, signer: Signer | None = None) -> None:
        self._host = host
        self._port = port
        self._signer = signer or Signer()

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        signed: bool,
        client_address: str | None = None,
    ) -> dict[str, Any]:
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        if signed:
            headers = self._signer.sign(method, f"http://{self._host}:{self._port}{path}", headers, data)
        source = None if client_address is None else (client_address, 0)
        connection = http.client.HTTPConnection(self._host, self._port, timeout=60, source_address=source)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            answer = response.read().decode()
        except OSError as error:
            if client_address is not None and error.errno == errno.EADDRNOTAVAIL:
                raise DemoLoadError(
                    f"cannot send from {client_address}, which this machine's loopback interface lacks "
                    f"(on macOS: sudo ifconfig lo0 alias {client_address} up)"
                ) from None
            raise
        finally:
            connection.close()
        if response.status >= 300:
            refusal = ThreadClosed if _problem_type(answer) == CLOSED_THREAD_PROBLEM else DemoLoadError
            raise refusal(f"{method} {path} answered {response.status}: {answer}")
        loaded: dict[str, Any] = json.loads(answer)
        return loaded

    def put_post(self, slug: str, body: dict[str, Any]) -> None:
        self._call("PUT", POST_PATH.format(slug=slug), body, signed=True)

    def submit_comment(self, slug: str, body: dict[str, Any], client_address: str) -> dict[str, Any]:
        return self._call(
            "POST", COMMENTS_PATH.format(slug=slug), body, signed=False, client_address=client_address
        )

    def close_thread(self, slug: str) -> None:
        self._call("POST", CLOSE_PATH.format(slug=slug), None, signed=True)
