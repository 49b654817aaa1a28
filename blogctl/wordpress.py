"""Moving a WordPress blog over: the posts and comments of a WXR export, written to the blog's table.

What becomes of what (docs/WORDPRESS.md has it in full):

- an item of type `post` becomes a post: `publish` (and `future`, scheduled) published at
  `wp:post_date_gmt`, `draft`, `pending` and `private` drafts, and so does a password-protected
  post (the blog has no passwords); other types (pages, attachments, menu items) and statuses
  (trash, auto-draft) are skipped and counted; attachments' files are listed among the media;
- a post without a date gets the export's date (the channel's `pubDate`), else the time of its first
  import, which later runs read back from the post it wrote (PostDates);
- its slug is `wp:post_name`, or where that is empty a German-aware slug of the title (ä → ae,
  ß → ss) that keeps clear of the file's WordPress slugs (see Slugs);
- its title is plain text; a post without one is titled from its slug, else its first words;
- its HTML goes through the blog's sanitizer (blogctl.wordpress_html.render_wordpress_post), with
  WordPress's paragraphs, after `--rewrite-url` moved the old site's addresses (UrlRewrite); the
  `wp-content/uploads` files it uses are listed among the media (media_in);
- its first category is the post's category; further ones, then its tags, are its tags, as many as
  the API takes (MAX_TAGS of TERM_MAX_LENGTH), the rest named in the summary;
- comments keep their author, email (private, as every email), URL (when it is an http(s) URL),
  date and text; `1`, `0` and `spam` become approved, pending and spam; pingbacks, trackbacks and
  trashed comments are skipped and counted;
- a reply's id is its parent's id and a segment of its own, built from `wp:comment_date_gmt` and
  the WordPress comment id, so it sorts in thread order and a second run builds the same id; a reply
  whose parent is not in the file becomes a top-level comment (the summary names it), and one deeper
  than an id holds goes under its deepest ancestor that leaves room.

How a run stays idempotent and resumable: every item is built from the file alone, the same way
each time (slugs, ids, dates, counts). Posts are taken about a hundred keys at a time; one
BatchGetItem tells which of their posts and comments the table has, and only the missing ones are
written (BatchWriteItem), so nothing already there changes. A post the table lacks is written after
all its comments, with `comment_count` counted from its comments as stored: a post that is there
has every comment the run had for it, and a run cut short leaves at most comments without their
post, which the next run completes. A post that is there but lacks comments of the file (an export
taken later) gets each in one transaction with the counts it changes, as the API writes a reader's
comment.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from pydantic import TypeAdapter, ValidationError

from blog.content import excerpt_of, plain_text
from blog.ids import MAX_DEPTH, SEPARATOR, depth_of, imported_comment_id, parent_of
from blog.models import (
    SLUG_MAX_LENGTH,
    CommentStatus,
    EmailAddress,
    StoredComment,
    StoredPost,
    WebUrl,
    fits_in_post_body,
    is_slug,
)
from blog.store.keys import POST_SK, Item, comment_item, comment_sk, from_item, post_items, post_pk
from blog.timestamps import format_timestamp, utc_now
from blogctl.bulk import MAX_ITEM_BYTES, BulkStore, ItemKey, item_size
from blogctl.progress import CountingReader, Progress, Rewindable
from blogctl.wordpress_html import render_wordpress_comment, render_wordpress_post
from blogctl.wxr import WxrAuthor, WxrComment, WxrItem, WxrReader

GROUP_KEYS = 100
"""Keys read in one go (BatchGetItem's limit): posts are taken in groups of about this many keys."""
ANONYMOUS = "Anonymous"
"""The name of a comment whose author left none, as WordPress shows it."""
UNCATEGORIZED = "Uncategorized"
MAX_NOTES = 50
"""Notes the summary lists one by one; it counts the rest."""
MAX_TAGS = 20
TERM_MAX_LENGTH = 80
"""The API's limits on a post's tags and on each term (blog.models.PostInput): an imported post is
one the API would take back as it is."""
TITLE_MAX_LENGTH = 200
"""The API's limit on a title (blog.models.Title)."""
_TITLE_WORDS = 8
"""Words of a post's text that title a post that has none, nor a slug."""
_LISTED_TERMS = 10
_UPLOADS = "/wp-content/uploads/"
# Where an address in HTML or text ends (quotes, brackets, whitespace, markup) ...
_URL_END = frozenset(" \t\r\n\"'<>()[]{}\\^`|")
# ... and what may end a sentence after it without being part of it.
_URL_TRAILING = ".,;:!?"
_PUBLISHED = {"publish", "future"}
_DRAFT = {"draft", "pending", "private"}
_STATUSES = {"1": CommentStatus.APPROVED, "0": CommentStatus.PENDING, "spam": CommentStatus.SPAM}
_LINKBACKS = {"pingback", "trackback"}
_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ẞ": "SS"}
)
_APOSTROPHES = re.compile(r"['’ʼ]")
_WORD = re.compile(r"[a-z0-9]+")
# A comment's item grows by its id after the check, by far less than this.
_ITEM_MARGIN = 1024
# The bodies are almost all of an item: only an item whose bodies come near the limit is measured.
_SURELY_FITS = 300 * 1024
_emails: TypeAdapter[str] = TypeAdapter(EmailAddress)
_web_urls: TypeAdapter[str] = TypeAdapter(WebUrl)


def slug_from_title(title: str) -> str:
    """A slug from a title, German-aware: `Grüße aus Köln` → `gruesse-aus-koeln`; "" when the title
    has no letters or digits to make one of."""
    # NFC first: a title typed on a Mac may spell ü as u and a combining diaeresis.
    text = unicodedata.normalize("NFC", title).translate(_GERMAN)
    text = _APOSTROPHES.sub("", text)
    # Other accented letters lose their accents (é → e); what has no ASCII form goes.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = ""
    for word in _WORD.findall(text):
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_MAX_LENGTH:
            break
        slug = longer
    return slug


def name_slug(item: WxrItem) -> str:
    """The slug of a post's `wp:post_name` ("" when it has none): its address in WordPress."""
    # WordPress keeps non-ASCII slugs percent-encoded (f%c3%bcr-alle).
    name = unquote(item.name)
    return name if is_slug(name) else slug_from_title(name)


class Slugs:
    """The slugs of the file's posts, each its own, the same on every run.

    A post keeps its WordPress slug (`wp:post_name`). One without (a draft) gets a slug of its title,
    clear of every WordPress slug of the file (`reserved`), wherever in the file that post comes:
    readers' links to published posts must keep working. A slug an earlier post got already is
    followed by `-<WordPress post id>`.
    """

    def __init__(self, reserved: set[str]) -> None:
        self._reserved = reserved
        self._given: set[str] = set()

    def claim(self, item: WxrItem, title: str) -> tuple[str | None, str | None]:
        """The slug of a post and a note when it is not the one WordPress had; None when even the
        post's id cannot tell it apart (the same post twice in one file)."""
        own = name_slug(item)
        wanted = own or slug_from_title(title) or f"post-{item.number}"
        if wanted not in self._given and (own or wanted not in self._reserved):
            self._given.add(wanted)
            return wanted, None
        suffix = f"-{item.number}"
        other = wanted[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if other in self._given or other in self._reserved:
            return None, None
        self._given.add(other)
        return other, f"{other}: the slug {wanted!r} is another post's in the file"


def _counted(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


@dataclass
class ImportSummary:
    """What an import did, or would do (`dry_run`)."""

    source: str
    dry_run: bool
    table: str | None = None
    version: str | None = None
    posts: Counter[str] = field(default_factory=Counter)
    """Posts of the file that are imported, by state (published, draft)."""
    comments: Counter[str] = field(default_factory=Counter)
    """Their comments, by status."""
    posts_written: int = 0
    posts_present: int = 0
    comments_written: int = 0
    comments_present: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    """What was left out, by reason."""
    notes: list[str] = field(default_factory=list)
    notes_left_out: int = 0
    dated_by_import: Counter[str] = field(default_factory=Counter)
    """Published posts without a date of their own, by where their date came from."""
    links_rewritten: int = 0
    """Addresses `--rewrite-url` changed in posts and comments."""
    media: set[str] = field(default_factory=set)
    """Files on the old site the posts show or link (attachments, `wp-content/uploads`): to copy."""

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        else:
            self.notes_left_out += 1

    def counts(self) -> str:
        """How far it got, for the progress bar."""
        return f"{_counted(self.posts.total(), 'post')}, {_counted(self.comments.total(), 'comment')}"

    def as_dict(self) -> dict[str, Any]:
        """The summary for `--json`."""
        return {
            "source": self.source,
            "wxr_version": self.version,
            "table": self.table,
            "dry_run": self.dry_run,
            "posts": {
                "total": self.posts.total(),
                **dict(sorted(self.posts.items())),
                "written": None if self.dry_run else self.posts_written,
                "already_there": None if self.dry_run else self.posts_present,
            },
            "comments": {
                "total": self.comments.total(),
                **dict(sorted(self.comments.items())),
                "written": None if self.dry_run else self.comments_written,
                "already_there": None if self.dry_run else self.comments_present,
            },
            "skipped": dict(sorted(self.skipped.items())),
            "undated_posts": dict(sorted(self.dated_by_import.items())),
            "links_rewritten": self.links_rewritten,
            "media": sorted(self.media),
            "notes": self.notes,
            "notes_left_out": self.notes_left_out,
        }

    def render(self) -> str:
        """The summary for people."""
        version = f" (WXR {self.version})" if self.version else ""
        if self.dry_run:
            lines = [f"Read {self.source}{version}; nothing written (--dry-run). It would import:"]
        else:
            lines = [f"Imported {self.source}{version} into the table {self.table}:"]
        for name, counts, written, present in (
            ("posts", self.posts, self.posts_written, self.posts_present),
            ("comments", self.comments, self.comments_written, self.comments_present),
        ):
            kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items())) or "none"
            done = "" if self.dry_run else f"; {written} written, {present} already there"
            lines.append(f"  {name:<9} {counts.total()} ({kinds}){done}")
        skipped = ", ".join(f"{count} {reason}" for reason, count in self.skipped.most_common())
        lines.append(f"  {'skipped':<9} {self.skipped.total()}{f' ({skipped})' if skipped else ''}")
        if self.dated_by_import:
            sources = sorted(self.dated_by_import.items())
            dated = ", ".join(f"{count} by {source}" for source, count in sources)
            undated = self.dated_by_import.total()
            lines.append(f"  {'undated':<9} {undated} published without a date, dated: {dated}")
        if self.links_rewritten:
            lines.append(f"  {'links':<9} {self.links_rewritten} addresses rewritten (--rewrite-url)")
        if self.media:
            lines.append(
                f"  {'media':<9} {_counted(len(self.media), 'file')} on the old site to copy"
                + (
                    f" (the first {MAX_NOTES}; --media-list FILE writes all)"
                    if len(self.media) > MAX_NOTES
                    else ""
                )
                + ":"
            )
            lines += [f"    {url}" for url in sorted(self.media)[:MAX_NOTES]]
        lines += [f"  - {text}" for text in self.notes]
        if self.notes_left_out:
            lines.append(f"  - and {self.notes_left_out} more notes (--json lists the first {MAX_NOTES})")
        return "\n".join(lines)


@dataclass
class PostUnit:
    """A post and its comments, as they are to be stored; comments in thread order, `reply_count`
    counting their replies among them, the post's `comment_count` still to be counted."""

    post: StoredPost
    comments: list[StoredComment]


class UrlRewrite:
    """`--rewrite-url OLD=NEW`: addresses under OLD (by http, https or `//`) moved under NEW."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old.rstrip("/"), new.rstrip("/")
        parts = urlsplit(self.old)
        # The host in any case; the path as written. An address goes on after OLD only with a
        # new path segment, a query or a fragment: https://old.example does not take in
        # https://old.example.net, nor /blog /blogger.
        self._pattern = re.compile(
            rf"(?:https?:)?//(?i:{re.escape(parts.netloc)}){re.escape(parts.path)}(?![\w.~%:@+-])"
        )

    @classmethod
    def parse(cls, text: str) -> "UrlRewrite":
        """`OLD=NEW` as typed, each an http(s) address; ValueError says what is wrong."""
        old, equals, new = text.partition("=")
        if not equals or not _is_site(old) or not _is_site(new):
            raise ValueError(
                f"{text!r} is not OLD=NEW with two http(s) addresses (https://old.example=https://new.example)"
            )
        return cls(old.strip(), new.strip())

    def apply(self, text: str) -> tuple[str, int]:
        """The text with each address under OLD moved under NEW, and how many were."""
        return self._pattern.subn(lambda _: self.new, text)


def _is_site(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.query and not parts.fragment


def media_in(text: str) -> set[str]:
    """The addresses of uploaded files (`.../wp-content/uploads/...`) a post's or comment's HTML
    shows or links, as written (absolute, protocol-relative or relative to the site)."""
    found: set[str] = set()
    position = 0
    # Read once: each address is found from its `/wp-content/uploads/` and widened to its ends, never
    # back past the one before.
    while (middle := text.find(_UPLOADS, position)) != -1:
        start = middle
        while start > position and text[start - 1] not in _URL_END:
            start -= 1
        end = middle + len(_UPLOADS)
        while end < len(text) and text[end] not in _URL_END:
            end += 1
        # The file, without a query (WordPress.com sizes images with ?w=300) or a fragment.
        address = text[start:end].split("?", 1)[0].split("#", 1)[0].rstrip(_URL_TRAILING)
        if "=" in address[: middle - start]:
            # An attribute without quotes (src=https://...): the address starts after its `=`.
            address = address[address.rindex("=", 0, middle - start) + 1 :]
        if address.partition(_UPLOADS)[2].strip("/"):
            found.add(address)
        position = end
    return found


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–-") + "…"


def _title(item: WxrItem, content_html: str) -> tuple[str, bool]:
    """A post's title, and whether it was made here: from the slug, else the first words."""
    title = plain_text(item.title)
    if title:
        return _shortened(title, TITLE_MAX_LENGTH), False
    own = name_slug(item)
    if own:
        spaced = own.replace("-", " ")
        return spaced[:1].upper() + spaced[1:], True
    words = plain_text(content_html).split(" ")
    if words != [""]:
        first = " ".join(words[:_TITLE_WORDS])
        return _shortened(first + ("…" if len(words) > _TITLE_WORDS else ""), TITLE_MAX_LENGTH), True
    return f"Post {item.number}", True


def _terms(item: WxrItem) -> tuple[str, list[str], list[str]]:
    """A post's category (its first), its tags (the other categories, then its tags, as many as the
    API takes) and the terms left out."""
    terms = list(dict.fromkeys(name for name in map(plain_text, item.categories + item.tags) if name))
    if not terms:
        return UNCATEGORIZED, [], []
    category, others = _shortened(terms[0], TERM_MAX_LENGTH), terms[1:]
    fitting = [name for name in others if len(name) <= TERM_MAX_LENGTH and name != category]
    tags = fitting[:MAX_TAGS]
    kept = set(tags)
    return category, tags, [name for name in others if name not in kept and name != category]


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:_LISTED_TERMS])
    return shown + (f" and {len(names) - _LISTED_TERMS} more" if len(names) > _LISTED_TERMS else "")


@dataclass
class PostDates:
    """The date of a published post that has none in the file: the export's (the channel's
    `pubDate`), else the time of its first import, which a later run reads from the post that run
    wrote (a post of the table with the same slug and title), so a re-import builds the same post."""

    exported_at: Callable[[], datetime | None]
    first_imported: Callable[[str, str], datetime | None]
    """The `created_at` of the table's post of this slug and title, None without one."""
    now: datetime

    def of_undated(self, slug: str, title: str) -> tuple[datetime, str]:
        """The date, and where it comes from, in words for the summary."""
        exported = self.exported_at()
        if exported is not None:
            return exported, "the export's date"
        return self.first_imported(slug, title) or self.now, "the time of its first import"


class _Converter:
    """WXR items to posts with comments, one at a time, noting in the summary what is left out."""

    def __init__(
        self,
        summary: ImportSummary,
        reserved_slugs: set[str],
        *,
        rewrites: Sequence[UrlRewrite] = (),
        dates: PostDates,
    ) -> None:
        self._summary = summary
        self._authors: dict[str, str] = {}
        self._slugs = Slugs(reserved_slugs)
        self._rewrites = rewrites
        self._dates = dates

    def author(self, author: WxrAuthor) -> None:
        self._authors[author.login] = plain_text(author.display_name) or author.login

    def post(self, item: WxrItem) -> PostUnit | None:
        summary = self._summary
        if item.post_type == "attachment" and item.attachment_url:
            summary.media.add(item.attachment_url)
        if item.post_type != "post":
            self._skip(item, f"{item.post_type or 'untyped item'} (not a post)")
            return None
        published = item.status in _PUBLISHED
        if not published and item.status not in _DRAFT:
            self._skip(item, f"post with status {item.status or 'none'}")
            return None
        # The blog has no passwords for posts: what only some readers saw must not go public.
        protected = published and bool(item.password)
        published = published and not protected
        summary.media.update(media_in(item.content))
        content = self._rewritten(item.content)
        content_html = render_wordpress_post(content)
        title, titled = _title(item, content_html)
        slug, renamed = self._slugs.claim(item, title)
        if slug is None:
            self._skip(item, "post without a slug of its own (twice in the file?)")
            return None
        created = item.date_gmt or item.date or item.modified_gmt
        dated = None
        if created is None:
            created, dated = self._dates.of_undated(slug, title)
        category, tags, dropped = _terms(item)
        updated = max(created, item.modified_gmt or created)
        comments_open = item.comment_status == "open"
        try:
            post = StoredPost(
                slug=slug,
                title=title,
                excerpt=plain_text(item.excerpt) or excerpt_of(content_html),
                author=self._authors.get(item.creator, item.creator),
                category=category,
                tags=tags,
                published_at=created if published else None,
                updated_at=updated,
                comments_open=comments_open,
                content=content,
                content_html=content_html,
                created_at=created,
                # WordPress does not record when a thread was closed; its last change is the best guess.
                closed_at=None if comments_open else updated,
                revision=1,
            )
        except ValidationError as error:
            self._skip(item, f"post the blog cannot store ({_first_problem(error)})")
            return None
        if not fits_in_post_body(post.content, post.content_html):
            self._skip(item, "post over DynamoDB's 400 KB item limit")
            return None
        if renamed is not None:
            summary.note(renamed)
        if titled:
            summary.note(f"{slug}: no title in WordPress; titled {title!r}")
        if dated is not None:
            summary.note(f"{slug}: no date in WordPress; dated {format_timestamp(created)}, {dated}")
            if published:
                summary.dated_by_import[dated] += 1
        if dropped:
            summary.note(
                f"{slug}: {len(dropped)} categories and tags left out (a post has one category and at most "
                f"{MAX_TAGS} tags of {TERM_MAX_LENGTH} characters): {_listed(dropped)}"
            )
        if protected:
            summary.note(f"{slug}: protected by a password in WordPress; imported as a draft")
        summary.posts["published" if published else "draft"] += 1
        comments = self._comments(item, post)
        summary.comments.update(comment.status.value for comment in comments)
        return PostUnit(post=post, comments=comments)

    def _rewritten(self, content: str) -> str:
        for rewrite in self._rewrites:
            content, count = rewrite.apply(content)
            self._summary.links_rewritten += count
        return content

    def _skip(self, item: WxrItem, reason: str) -> None:
        self._summary.skipped[reason] += 1
        # A skipped item's comments go with it; linkbacks are counted as linkbacks wherever they are.
        for comment in item.comments:
            self._summary.skipped[
                comment.kind if comment.kind in _LINKBACKS else "comment on a skipped item"
            ] += 1

    def _comments(self, item: WxrItem, post: StoredPost) -> list[StoredComment]:
        usable: dict[int, tuple[WxrComment, StoredComment]] = {}
        for comment in item.comments:
            reason = _unusable(comment)
            if reason is None and comment.number in usable:
                reason = "comment that is twice in the file"
            stored, reason = (None, reason) if reason else self._comment(comment, post)
            if stored is None:
                self._summary.skipped[reason or "comment the blog cannot store"] += 1
                continue
            usable[comment.number] = (comment, stored)
        ids = self._thread_ids(usable, post.slug)
        replies = Counter(parent_of(comment_id) for comment_id in ids.values())
        return sorted(
            (
                stored.model_copy(update={"id": ids[number], "reply_count": replies[ids[number]]})
                for number, (_, stored) in usable.items()
            ),
            key=lambda comment: comment.id,
        )

    def _comment(self, comment: WxrComment, post: StoredPost) -> tuple[StoredComment | None, str | None]:
        """The comment without its place in the thread yet (`id` is filled in later), or why not."""
        self._summary.media.update(media_in(comment.content))
        content = self._rewritten(comment.content)
        content_html = render_wordpress_comment(content)
        try:
            stored = StoredComment(
                id="",
                post_slug=post.slug,
                author_name=plain_text(comment.author) or ANONYMOUS,
                author_email=_valid(_emails, comment.author_email),
                author_url=_valid(_web_urls, comment.author_url),
                content=content,
                content_html=content_html,
                created_at=comment.date_gmt or comment.date or post.created_at,
                status=_STATUSES[comment.approved],
            )
        except ValidationError as error:
            return None, f"comment the blog cannot store ({_first_problem(error)})"
        if not _fits(stored.content, stored.content_html, item=lambda: comment_item(stored)):
            return None, "comment over DynamoDB's 400 KB item limit"
        return stored, None

    def _thread_ids(
        self, usable: Mapping[int, tuple[WxrComment, StoredComment]], slug: str
    ) -> dict[int, str]:
        """Each comment's id, parents before their replies (a reply's id starts with its parent's)."""
        ids: dict[int, str] = {}
        for number in usable:
            # Up the thread to the first comment whose id is known, or the top, or a missing parent.
            chain: list[int] = []
            current = number
            while current not in ids and current not in chain:
                chain.append(current)
                parent = usable[current][0].parent
                if parent == 0 or parent not in usable:
                    break
                current = parent
            for unresolved in reversed(chain):
                source, stored = usable[unresolved]
                parent_id = ids.get(source.parent) if source.parent else None
                if source.parent and parent_id is None:
                    self._summary.note(
                        f"{slug}: comment {unresolved} answers comment {source.parent}, which is "
                        + ("not in the file" if source.parent not in usable else "among its own replies")
                        + "; imported as a top-level comment"
                    )
                if parent_id is not None and depth_of(parent_id) >= MAX_DEPTH:
                    # An id holds at most MAX_DEPTH segments: the reply goes under the deepest
                    # ancestor that leaves room for it.
                    parent_id = SEPARATOR.join(parent_id.split(SEPARATOR)[: MAX_DEPTH - 1])
                    self._summary.note(
                        f"{slug}: comment {unresolved} is nested deeper than {MAX_DEPTH} levels; "
                        f"imported at level {MAX_DEPTH}"
                    )
                ids[unresolved] = imported_comment_id(parent_id, stored.created_at, unresolved)
        return ids


def _unusable(comment: WxrComment) -> str | None:
    if comment.kind in _LINKBACKS:
        return comment.kind
    if comment.kind not in ("", "comment"):
        return f"comment of type {comment.kind}"
    if comment.approved not in _STATUSES:
        return f"comment with status {comment.approved or 'none'}"
    if not comment.content.strip():
        return "empty comment"
    if comment.number <= 0:
        return "comment without an id"
    return None


def _fits(*bodies: str, item: Callable[[], Item]) -> bool:
    """Whether an item stays under DynamoDB's item limit."""
    if sum(len(body.encode()) for body in bodies) < _SURELY_FITS:
        return True
    return item_size(item()) <= MAX_ITEM_BYTES - _ITEM_MARGIN


def _valid(adapter: TypeAdapter[str], value: str) -> str | None:
    """`value` when the blog would take it from a reader, else None (it is left out)."""
    if not value:
        return None
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    return f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}"


class _Writer:
    """Posts with their comments, written a group at a time; only what the table lacks."""

    def __init__(self, store: BulkStore, summary: ImportSummary) -> None:
        self._store = store
        self._summary = summary
        self._group: list[PostUnit] = []
        self._keys = 0

    def add(self, unit: PostUnit) -> None:
        self._group.append(unit)
        self._keys += 1 + len(unit.comments)
        if self._keys >= GROUP_KEYS:
            self.flush()

    def flush(self) -> None:
        group, self._group, self._keys = self._group, [], 0
        if not group:
            return
        keys = [_post_key(unit.post) for unit in group]
        comment_keys = {unit.post.slug: [_comment_key(c) for c in unit.comments] for unit in group}
        present = self._store.read(keys + [key for found in comment_keys.values() for key in found])
        new_comments: list[dict[str, Any]] = []
        new_bodies: list[dict[str, Any]] = []
        new_heads: list[dict[str, Any]] = []
        additions: list[tuple[PostUnit, list[StoredComment], set[ItemKey]]] = []
        for unit, post_key in zip(group, keys, strict=True):
            own = dict(zip(comment_keys[unit.post.slug], unit.comments, strict=True))
            missing = [comment for key, comment in own.items() if key not in present]
            stored_post = present.get(post_key)
            if stored_post is not None and not self._same_post(stored_post, unit):
                continue
            self._summary.comments_present += len(own) - len(missing)
            if stored_post is not None:
                self._summary.posts_present += 1
                additions.append((unit, missing, {key for key in own if key in present}))
                continue
            statuses = [
                from_item(present[key])["status"] if key in present else comment.status.value
                for key, comment in own.items()
            ]
            count = statuses.count(CommentStatus.APPROVED.value)
            new_comments += [comment_item(comment) for comment in missing]
            head, body = post_items(unit.post.model_copy(update={"comment_count": count}))
            new_heads.append(head)
            new_bodies.append(body)
            self._summary.comments_written += len(missing)
            self._summary.posts_written += 1
        # Heads last: a post in the table is one whose body and comments are all there.
        self._store.put(new_comments)
        self._store.put(new_bodies)
        self._store.put(new_heads)
        for unit, missing, present_keys in additions:
            self._add_to_thread(unit, missing, present_keys)

    def _same_post(self, stored: Mapping[str, Any], unit: PostUnit) -> bool:
        # created_at is the post's WordPress date and never changes after it is written.
        if from_item(stored).get("created_at") == format_timestamp(unit.post.created_at):
            return True
        summary = self._summary
        summary.skipped["post whose slug another post in the table has"] += 1
        summary.skipped["comment on a skipped item"] += len(unit.comments)
        # Counted among the file's posts when read, it is not imported after all (and a Counter's
        # -= keeps no zeros).
        summary.posts -= Counter(["draft" if unit.post.published_at is None else "published"])
        summary.comments -= Counter(comment.status.value for comment in unit.comments)
        summary.note(f"{unit.post.slug}: the table has another post with this slug; left as it is")
        return False

    def _add_to_thread(self, unit: PostUnit, missing: list[StoredComment], present: set[ItemKey]) -> None:
        replies_present = Counter(
            parent_of(comment.id) for comment in unit.comments if _comment_key(comment) in present
        )
        for comment in missing:
            # Replies already there count now; those written next add themselves, as on the API.
            started = comment.model_copy(update={"reply_count": replies_present[comment.id]})
            if self._store.add_to_thread(started):
                self._summary.comments_written += 1
            else:
                self._summary.comments_present += 1


def _post_key(post: StoredPost) -> ItemKey:
    return post_pk(post.slug), POST_SK


def _comment_key(comment: StoredComment) -> ItemKey:
    return post_pk(comment.post_slug), comment_sk(comment.id)


def wordpress_posts(
    source: "Rewindable",
    name: str,
    summary: ImportSummary,
    *,
    reading: Callable[[], None] = lambda: None,
    rewrites: Sequence[UrlRewrite] = (),
    first_imported: Callable[[str, str], datetime | None] = lambda _slug, _title: None,
) -> Iterator[PostUnit]:
    """The posts of a WXR file with their comments, as they are to be stored.

    The file is read twice, each time as a stream: first for the posts' WordPress slugs, which
    slugs made from titles keep clear of, then for the posts and comments. `reading` is called
    after each item of the first reading (for progress). `first_imported` tells the date an earlier
    run gave a post without a date (see PostDates).
    """
    reserved: set[str] = set()
    for entry in WxrReader(source, name):
        if isinstance(entry, WxrItem) and entry.post_type == "post":
            reserved.add(name_slug(entry))
        reading()
    reserved.discard("")
    source.seek(0)
    reader = WxrReader(source, name)
    dates = PostDates(
        exported_at=lambda: reader.exported_at,
        first_imported=first_imported,
        now=utc_now().replace(microsecond=0),
    )
    converter = _Converter(summary, reserved, rewrites=rewrites, dates=dates)
    for entry in reader:
        if isinstance(entry, WxrAuthor):
            converter.author(entry)
            continue
        unit = converter.post(entry)
        summary.version = reader.version
        if unit is not None:
            yield unit


def import_wxr(
    source: IO[bytes],
    *,
    name: str,
    size: int,
    store: BulkStore | None,
    progress_stream: IO[str],
    rewrites: Sequence[UrlRewrite] = (),
) -> ImportSummary:
    """Import a WXR file into the table of `store`, or only read it (`store` None: a dry run);
    `rewrites` move addresses of the old site in posts and comments to the new one."""
    summary = ImportSummary(
        source=name, dry_run=store is None, table=None if store is None else store.table_name
    )
    counting = CountingReader(source)
    writer = None if store is None else _Writer(store, summary)
    # Two readings of the file: the bar's first half is the first.
    with Progress(progress_stream, 2 * size, label="import-wxr") as progress:

        def reading() -> None:
            progress.update(counting.consumed, "reading the posts' slugs")

        def first_imported(slug: str, title: str) -> datetime | None:
            if store is None:
                return None
            stored = store.read([(post_pk(slug), POST_SK)]).get((post_pk(slug), POST_SK))
            post = None if stored is None else from_item(stored)
            if post is None or post.get("title") != title:
                return None
            return datetime.fromisoformat(post["created_at"])

        for unit in wordpress_posts(
            counting, name, summary, reading=reading, rewrites=rewrites, first_imported=first_imported
        ):
            if writer is not None:
                writer.add(unit)
            progress.update(counting.consumed, summary.counts())
        if writer is not None:
            writer.flush()
        progress.finish(summary.counts())
    return summary
