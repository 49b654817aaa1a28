"""Telling people: the owner's and readers' mails and the signed webhook, from the table's stream.

Each delivery (one event to one recipient: a mail, or a webhook call) is claimed in the table before
it is sent and released when the send fails, whatever the failure (blog.store.notifications). What
can fail before the send (the MIME message, the webhook key from Secrets Manager) is built before
the claim. So a stream record that is delivered again sends nothing twice, and one whose send failed
is retried by the stream (its failure reported through the batch's partial response) and sends
then; at worst, a function that dies between claim and send loses that one delivery, never sends it
twice.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from blog import keys, mail, notices, webhooks
from blog.ids import parent_of
from blog.models import CommentStatus, StoredComment, StoredPostSummary
from blog.settings import NotifySettings, OwnerNotify
from blog.store.notifications import NotificationStore, Subscription
from blog.stream_events import CommentEvent, EventType, PostEvent, StreamEvent, SubscriptionCreated, events_of
from blog.telemetry import logger
from blog.timestamps import format_timestamp

CLAIM_LIFETIME = timedelta(days=7)
"""How long a claim is kept: far longer than a record can be delivered again (the stream keeps
records for 24 hours; the event source mapping gives up on older ones, template.yaml)."""
CONFIRMATION_INTERVAL = timedelta(hours=1)
"""At most one confirmation mail per address in this time, whatever is submitted in its name."""
FIRST_PUBLICATION_LOOKBACK = timedelta(minutes=10)
"""How far back the scheduled job's first run looks for posts that became public."""
LONGEST_PUBLICATION_LOOKBACK = timedelta(days=1)
"""After an outage, the job announces no post that went public longer ago than this."""
SLOWEST_DELIVERY = timedelta(seconds=15)
"""The longest one send may take: SES's three attempts of 1 s connect and 3 s read (blog.mail), a
webhook's 5 s connect and 5 s answer (blog.webhooks), with room to release a claim. With less time
left no claim is taken: a function stopped by its timeout mid-send would leave its claim held, and
that delivery would be lost."""


def _unlimited_time() -> timedelta:
    return timedelta.max


class DeliveryFailed(Exception):
    """Some deliveries of a record failed (their claims released): the stream delivers it again."""


class OutOfTime(DeliveryFailed):
    """Too little of the invocation's time is left to send: the stream delivers the record again."""


@dataclass(frozen=True)
class Outbox:
    """Where deliveries go: SES and the webhook, or nowhere while priming."""

    send_mail: Callable[[EmailMessage, NotifySettings], None] = mail.send
    post_webhook: Callable[[str, bytes, str], None] = webhooks.post
    """Called with the URL, the body and its `Blog-Signature` header."""


@dataclass
class Notifier:
    """Delivers what the stream's records mean, each delivery at most once."""

    store: NotificationStore
    settings: NotifySettings
    now: datetime
    outbox: Outbox = field(default_factory=Outbox)
    time_left: Callable[[], timedelta] = _unlimited_time
    """What is left of the invocation's time (Lambda's context)."""
    failures: list[str] = field(default_factory=list)

    def handle_record(self, record: Mapping[str, Any]) -> None:
        """Deliver every event of one stream record; DeliveryFailed when any delivery failed."""
        self.failures = []
        for event in events_of(record):
            self._deliver_event(event)
        if self.failures:
            raise DeliveryFailed(", ".join(self.failures))

    def announce_published(self, posts: list[StoredPostSummary]) -> None:
        """Post `post.published` for each of these posts whose time has come; DeliveryFailed when any
        delivery failed."""
        self.failures = []
        for post in posts:
            assert post.published_at is not None
            moment = format_timestamp(post.published_at)
            self._deliver_event(
                PostEvent(EventType.POST_PUBLISHED, post.slug, post.published_at, moment, post)
            )
        if self.failures:
            raise DeliveryFailed(", ".join(self.failures))

    def _deliver_event(self, event: StreamEvent) -> None:
        if isinstance(event, SubscriptionCreated):
            self._confirm(event.subscription)
        elif isinstance(event, CommentEvent):
            self._comment_event(event)
        else:
            self._webhook(event.type, event.key, event.at, post_data(event))

    def _comment_event(self, event: CommentEvent) -> None:
        comment = event.comment
        if event.removed and (
            not self.settings.webhook_url or self._post_is_gone(comment.post_slug, event.at)
        ):
            return  # a deleted post's comments: its own post.deleted tells
        data = deletion_data(event) if event.type is EventType.COMMENT_DELETED else comment_data(comment)
        self._webhook(event.type, event.key, event.at, data)
        if event.type is EventType.COMMENT_CREATED and self._owner_hears_of(comment):
            self._mail_owner(comment)
        parent_id = parent_of(comment.id)
        if event.type is EventType.COMMENT_APPROVED and parent_id is not None:
            self._mail_subscriber(comment, parent_id)

    def _post_is_gone(self, slug: str, removed_at: datetime) -> bool:
        """Whether the post a comment was removed from is being deleted, or was: no head, or a head
        made after the removal (the slug used again) that the comment never belonged to. Both times
        are whole seconds: a head made in the removal's second counts as the comment's own."""
        head = self.store.post_head(slug)
        if head is None or "deleting_since" in head:
            return True
        created_at = head.get("created_at")
        return created_at is not None and datetime.fromisoformat(str(created_at)) > removed_at.replace(
            microsecond=0
        )

    def _owner_hears_of(self, comment: StoredComment) -> bool:
        if not self.settings.mails_owner or comment.status is CommentStatus.SPAM:
            return False
        if comment.status is not CommentStatus.PENDING and self.settings.owner_notify is not OwnerNotify.ALL:
            return False
        # The owner's address too: one that bounced or complained gets nothing (SES's reputation).
        return not self.store.is_suppressed(keys.email_hash(self.settings.owner_email))

    def _post_title(self, slug: str) -> str:
        head = self.store.post_head(slug)
        return slug if head is None else str(head.get("title", slug))

    def _mail_owner(self, comment: StoredComment) -> None:
        from blog.action_tokens import MailAction

        def link(action: MailAction) -> str:
            return self._action_link(action, comment.post_slug, comment.id)

        message = notices.owner_mail(
            self.settings,
            comment,
            self._post_title(comment.post_slug),
            approve_url=link(MailAction.APPROVE),
            spam_url=link(MailAction.SPAM),
            delete_url=link(MailAction.DELETE),
        )
        self._mail(f"mail#owner#{comment.post_slug}#{comment.id}", message)

    def _mail_subscriber(self, reply: StoredComment, parent_id: str) -> None:
        from blog.action_tokens import MailAction

        if not self.settings.mails:
            return
        subscription = self.store.subscription(reply.post_slug, parent_id)
        if subscription is None or not subscription.confirmed:
            return
        if reply.author_email and keys.email_hash(reply.author_email) == subscription.email_hash:
            return  # never about one's own reply
        if self.store.is_suppressed(subscription.email_hash):
            return
        unsubscribe_url = self._action_link(
            MailAction.UNSUBSCRIBE, reply.post_slug, parent_id, email_hash=subscription.email_hash
        )
        message = notices.reply_mail(
            self.settings,
            subscription.email,
            reply,
            self._post_title(reply.post_slug),
            unsubscribe_url=unsubscribe_url,
        )
        self._mail(f"mail#reply#{reply.post_slug}#{reply.id}#{subscription.email_hash}", message)

    def _confirm(self, subscription: Subscription) -> None:
        from blog.action_tokens import MailAction

        if not self.settings.mails or self.store.is_suppressed(subscription.email_hash):
            return
        delivery = (
            f"mail#confirm#{subscription.post_slug}#{subscription.comment_id}#{subscription.email_hash}"
        )
        confirm_url = self._action_link(
            MailAction.CONFIRM,
            subscription.post_slug,
            subscription.comment_id,
            email_hash=subscription.email_hash,
        )
        message = notices.confirmation_mail(
            self.settings,
            subscription.email,
            self._post_title(subscription.post_slug),
            confirm_url=confirm_url,
        )
        mime = mail.message_of(message, self.settings, now=self.now)
        if not self._claim(delivery):
            return
        # One confirmation per address per interval: more subscriptions in its name get none, so
        # nobody can make the blog mail a stranger again and again.
        interval = f"rate#confirm#{subscription.email_hash}"
        if not self.store.claim(
            interval,
            expires_at=int((self.now + CONFIRMATION_INTERVAL).timestamp()),
            now=int(self.now.timestamp()),
        ):
            logger.info("confirmation held back: one was sent to this address lately")
            return
        self._send(delivery, mime, also_release=(interval,))

    def _action_link(self, action: Any, slug: str, comment_id: str, *, email_hash: str | None = None) -> str:
        from blog.action_tokens import action_url, issue_action_token

        token = issue_action_token(action, slug, comment_id, now=self.now, email_hash=email_hash)
        return action_url(self.settings.mail_link_base_url, token)

    def _claim(self, delivery: str) -> bool:
        if self.time_left() < SLOWEST_DELIVERY:
            raise OutOfTime("too little time left to send; the stream delivers the record again")
        return self.store.claim(
            delivery, expires_at=int((self.now + CLAIM_LIFETIME).timestamp()), now=int(self.now.timestamp())
        )

    def _mail(self, delivery: str, message: mail.Mail) -> None:
        mime = mail.message_of(message, self.settings, now=self.now)
        if self._claim(delivery):
            self._send(delivery, mime)

    def _send(self, delivery: str, message: EmailMessage, *, also_release: tuple[str, ...] = ()) -> bool:
        """Send a claimed mail; on failure release the claim (and `also_release`) and note the
        failure. Any other exception releases them too and is raised: the stream retries the record."""
        try:
            self.outbox.send_mail(message, self.settings)
        except mail.MailFailed as error:
            self._release(delivery, *also_release)
            logger.warning("mail not sent; the stream retries", extra={"delivery": delivery.split("#")[1]})
            self.failures.append(f"{delivery.split('#')[1]} mail: {error}")
            return False
        except BaseException:
            self._release(delivery, *also_release)
            raise
        logger.info("mail sent", extra={"delivery": delivery.split("#")[1]})
        return True

    def _release(self, *deliveries: str) -> None:
        for delivery in deliveries:
            self.store.release(delivery)

    def _webhook(self, event_type: EventType, key: str, at: datetime, data: dict[str, Any]) -> None:
        if not self.settings.webhook_url:
            return
        delivery = f"webhook#{key}"
        body = webhooks.body_of(event_type, key, at, data)
        signature = webhooks.signature(body, timestamp=int(self.now.timestamp()), key=webhooks.webhook_key())
        if not self._claim(delivery):
            return
        try:
            self.outbox.post_webhook(self.settings.webhook_url, body, signature)
        except webhooks.WebhookFailed as error:
            self.store.release(delivery)
            logger.warning("webhook not delivered; the stream retries", extra={"type": str(event_type)})
            self.failures.append(f"{event_type} webhook: {error}")
        except BaseException:
            self.store.release(delivery)
            raise


def comment_data(comment: StoredComment) -> dict[str, Any]:
    """What a webhook tells of a comment: what the public sees of it, the rest only once it is public."""
    data: dict[str, Any] = {
        "post_slug": comment.post_slug,
        "id": comment.id,
        "parent_id": parent_of(comment.id),
        "status": comment.status.value,
        "created_at": format_timestamp(comment.created_at),
    }
    if comment.status is CommentStatus.APPROVED:
        data |= {
            "author_name": comment.author_name,
            "author_url": comment.author_url,
            "content_html": comment.content_html,
        }
    return data


def deletion_data(event: CommentEvent) -> dict[str, Any]:
    """What a webhook tells of a deleted comment: its ids and status, never its author or text (the
    deletion may be a reader's erasure, and a REMOVE's image still holds them)."""
    comment = event.comment
    return {
        "post_slug": comment.post_slug,
        "id": comment.id,
        "parent_id": parent_of(comment.id),
        "status": CommentStatus.DELETED.value if event.removed else comment.status.value,
    }


def post_data(event: PostEvent) -> dict[str, Any]:
    """What a webhook tells of a post event: the post's public summary when it is published."""
    if event.post is None:
        return {"slug": event.slug}
    return {
        "slug": event.slug,
        **event.post.model_dump(
            mode="json", include={"title", "excerpt", "author", "category", "tags", "published_at"}
        ),
    }


def notify(
    store: NotificationStore,
    settings: NotifySettings,
    record: Mapping[str, Any],
    *,
    now: datetime,
    outbox: Outbox | None = None,
    time_left: Callable[[], timedelta] = _unlimited_time,
) -> None:
    """Deliver what one stream record means (mails, webhook calls), each at most once;
    DeliveryFailed when a send failed, or when `time_left` (the invocation's) is too short for one
    more send, so that the stream delivers the record again."""
    Notifier(store, settings, now, outbox or Outbox(), time_left).handle_record(record)


def announce_scheduled_posts(
    store: NotificationStore, settings: NotifySettings, *, now: datetime, outbox: Outbox | None = None
) -> int:
    """The scheduled job: post `post.published` for posts whose publication time passed since the
    last run (a post published for a later time makes no stream record when its time comes).
    Returns how many posts it found. Without a webhook it reads nothing."""
    if not settings.webhook_url:
        return 0
    since = store.publication_checked_until() or now - FIRST_PUBLICATION_LOOKBACK
    since = max(since, now - LONGEST_PUBLICATION_LOOKBACK)
    posts = store.published_between(since, now)
    Notifier(store, settings, now, outbox or Outbox()).announce_published(posts)
    store.mark_publication_checked(now)
    return len(posts)
