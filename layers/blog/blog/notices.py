"""What the blog's mails say, in German or English (BlogLanguage)."""

from blog.mail import Link, Mail
from blog.models import CommentStatus, StoredComment
from blog.settings import NotifySettings


def owner_mail(
    settings: NotifySettings,
    comment: StoredComment,
    post_title: str,
    *,
    approve_url: str,
    spam_url: str,
    delete_url: str,
) -> Mail:
    """The owner's mail about a new comment: who wrote what where, and the moderation links."""
    held = comment.status is CommentStatus.PENDING
    email = comment.author_email
    if settings.german:
        subject = f"Neuer Kommentar {'wartet auf Freigabe' if held else 'veröffentlicht'}: „{post_title}“"
        who = f"{comment.author_name} ({email or 'ohne E-Mail-Adresse'})"
        paragraphs = [f"{who} schrieb zu „{post_title}“:", comment.content]
        if comment.author_url:
            paragraphs.append(f"Website: {comment.author_url}")
        links = [Link("Zum Beitrag", settings.post_url(comment.post_slug))]
        if held:
            links.append(Link("Freigeben", approve_url))
        links += [Link("Als Spam markieren", spam_url), Link("Löschen", delete_url)]
        note = "Die Links führen zu einer Seite mit einer Schaltfläche; sie gelten sieben Tage."
    else:
        subject = f"New comment {'awaiting approval' if held else 'published'}: “{post_title}”"
        who = f"{comment.author_name} ({email or 'no email address'})"
        paragraphs = [f"{who} wrote on “{post_title}”:", comment.content]
        if comment.author_url:
            paragraphs.append(f"Website: {comment.author_url}")
        links = [Link("The post", settings.post_url(comment.post_slug))]
        if held:
            links.append(Link("Approve", approve_url))
        links += [Link("Mark as spam", spam_url), Link("Delete", delete_url)]
        note = "Each link opens a page with one button; the links work for seven days."
    return Mail(
        to=settings.owner_email,
        subject=f"[{settings.blog_title}] {subject}",
        paragraphs=(*paragraphs, note),
        links=tuple(links),
    )


def confirmation_mail(settings: NotifySettings, to: str, post_title: str, *, confirm_url: str) -> Mail:
    """The one mail an unconfirmed address gets: the link that confirms reply notifications."""
    if settings.german:
        subject = f"Bitte bestätigen: Benachrichtigung bei Antworten zu „{post_title}“"
        paragraphs = (
            f"Jemand, hoffentlich Sie, hat bei einem Kommentar zu „{post_title}“ gewünscht, über Antworten "
            "per E-Mail benachrichtigt zu werden.",
            "Erst wenn Sie bestätigen, schicken wir Ihnen Antworten. Waren Sie es nicht, ignorieren Sie "
            "diese Mail einfach: Sie hören dann nichts mehr von uns. Der Link gilt sieben Tage.",
        )
        link = Link("Benachrichtigung bestätigen", confirm_url)
    else:
        subject = f"Please confirm: notifications of replies on “{post_title}”"
        paragraphs = (
            f"Someone, hopefully you, asked to be mailed about replies to a comment on “{post_title}”.",
            "We mail replies only once you confirm. If it was not you, ignore this mail and you will "
            "hear nothing more from us. The link works for seven days.",
        )
        link = Link("Confirm notifications", confirm_url)
    return Mail(to=to, subject=f"[{settings.blog_title}] {subject}", paragraphs=paragraphs, links=(link,))


def reply_mail(
    settings: NotifySettings, to: str, reply: StoredComment, post_title: str, *, unsubscribe_url: str
) -> Mail:
    """A subscriber's mail about an approved reply to their comment, with one-click unsubscribe."""
    thread_url = settings.comment_url(reply.post_slug, reply.id)
    if settings.german:
        subject = f"Neue Antwort auf Ihren Kommentar zu „{post_title}“"
        paragraphs = (
            f"{reply.author_name} hat auf Ihren Kommentar zu „{post_title}“ geantwortet:",
            reply.content,
        )
        links = (Link("Zur Antwort", thread_url), Link("Keine Benachrichtigungen mehr", unsubscribe_url))
    else:
        subject = f"New reply to your comment on “{post_title}”"
        paragraphs = (f"{reply.author_name} replied to your comment on “{post_title}”:", reply.content)
        links = (Link("Read the reply", thread_url), Link("Stop these notifications", unsubscribe_url))
    return Mail(
        to=to,
        subject=f"[{settings.blog_title}] {subject}",
        paragraphs=paragraphs,
        links=links,
        unsubscribe_url=unsubscribe_url,
    )
