"""What the links of a mail do: approve, spam or delete a comment (the owner's mail), confirm or end a
reply subscription (a reader's mail).

Opening a link (GET) only reads its token: mail scanners open links, so nothing may change before
a person presses the page's button (POST). Each action is one write, and doing it again is a no-op
with the same answer, so a second press, a retried request or an RFC 8058 one-click POST after a
click on the page all end the same.
"""

from contextlib import suppress
from datetime import datetime

from blog import moderating
from blog.action_tokens import ActionToken, MailAction, read_action_token
from blog.errors import CommentNotFound
from blog.models import CommentStatus, ModerationAction
from blog.settings import Settings
from blog.store import BlogStore

_MODERATION = {MailAction.APPROVE: ModerationAction.APPROVE, MailAction.SPAM: ModerationAction.SPAM}


def look_at(token: str, *, now: datetime) -> ActionToken:
    """What a link asks for, without doing it: InvalidActionToken or ActionTokenExpired otherwise."""
    return read_action_token(token, now=now)


def carry_out(store: BlogStore, settings: Settings, token: str, *, now: datetime) -> ActionToken:
    """Do what a link asks for, once; again, nothing changes and the answer is the same."""
    action_token = read_action_token(token, now=now)
    slug, comment_id = action_token.slug, action_token.comment_id
    match action_token.action:
        case MailAction.APPROVE | MailAction.SPAM:
            moderation = _MODERATION[action_token.action]
            moderating.moderate(store, settings, slug, comment_id, moderation, now=now)
        case MailAction.DELETE:
            # The link names a comment that existed when it was mailed: gone now is deleted.
            with suppress(CommentNotFound):
                # The owner is mailed about held comments (OwnerNotify=held, the default).
                moderating.delete_comment(store, slug, comment_id, expected_status=CommentStatus.PENDING)
        case MailAction.CONFIRM:
            assert action_token.email_hash is not None, "a confirmation names its reader"
            store.confirm_subscription(slug, comment_id, action_token.email_hash)
        case MailAction.UNSUBSCRIBE:
            assert action_token.email_hash is not None, "an unsubscription names its reader"
            store.unsubscribe(slug, comment_id, action_token.email_hash, now=now)
    return action_token
