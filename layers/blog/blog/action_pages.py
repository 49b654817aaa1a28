"""The small HTML pages of mail links (/actions/{token}): what a link will do, what it did, or why it
cannot, in the blog's language (German, or English for any other language).

Every value is escaped; the pages load nothing, run nothing and may not be framed, and their one
style sheet is allowed by its hash in the Content-Security-Policy (ACTION_PAGE_HEADERS), so no
inline style or script of anyone else's would run.
"""

import base64
import hashlib
from dataclasses import dataclass
from html import escape
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from blog.action_tokens import ActionToken, MailAction

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1d1d1f}"
    "button{font:inherit;padding:.5rem 1.25rem;border:0;border-radius:.375rem;background:#1d4ed8;"
    "color:#fff;cursor:pointer}"
    "p.blog{color:#6b6b70}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
ACTION_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
"""What every /actions answer carries: no framing, no caching, no token in a Referer."""
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class _Texts:
    question: str
    """The page a link opens (GET): what the button will do. `{slug}` and `{id}` are filled in."""
    button: str
    done: str
    """The page after the button (POST), again the same."""


_ACTIONS: dict[str, dict[MailAction, _Texts]] = {
    "de": {
        MailAction.APPROVE: _Texts(
            "Den Kommentar {id} zum Beitrag „{slug}“ freigeben? Er wird dann öffentlich gezeigt.",
            "Freigeben",
            "Der Kommentar ist freigegeben.",
        ),
        MailAction.SPAM: _Texts(
            "Den Kommentar {id} zum Beitrag „{slug}“ als Spam markieren? Er wird dann nicht gezeigt.",
            "Als Spam markieren",
            "Der Kommentar ist als Spam markiert.",
        ),
        MailAction.DELETE: _Texts(
            "Den Kommentar {id} zum Beitrag „{slug}“ löschen?",
            "Löschen",
            "Der Kommentar ist gelöscht.",
        ),
        MailAction.CONFIRM: _Texts(
            "Benachrichtigungen über Antworten auf Ihren Kommentar zum Beitrag „{slug}“ bestätigen?",
            "Bestätigen",
            "Bestätigt: Sie erhalten eine E-Mail, wenn jemand auf Ihren Kommentar antwortet.",
        ),
        MailAction.UNSUBSCRIBE: _Texts(
            "Keine E-Mails mehr von diesem Blog erhalten?",
            "Abmelden",
            "Sie sind abgemeldet und erhalten keine E-Mails mehr von diesem Blog.",
        ),
    },
    "en": {
        MailAction.APPROVE: _Texts(
            "Approve the comment {id} on the post “{slug}”? It will be shown publicly.",
            "Approve",
            "The comment is approved.",
        ),
        MailAction.SPAM: _Texts(
            "Mark the comment {id} on the post “{slug}” as spam? It will not be shown.",
            "Mark as spam",
            "The comment is marked as spam.",
        ),
        MailAction.DELETE: _Texts(
            "Delete the comment {id} on the post “{slug}”?",
            "Delete",
            "The comment is deleted.",
        ),
        MailAction.CONFIRM: _Texts(
            "Confirm notifications of replies to your comment on the post “{slug}”?",
            "Confirm",
            "Confirmed: you will get an email when someone replies to your comment.",
        ),
        MailAction.UNSUBSCRIBE: _Texts(
            "Stop getting emails from this blog?",
            "Unsubscribe",
            "You are unsubscribed and will get no more emails from this blog.",
        ),
    },
}

_ERRORS: dict[str, dict[HTTPStatus, str]] = {
    "de": {
        HTTPStatus.BAD_REQUEST: "Dieser Link ist ungültig: Er ist unvollständig oder wurde verändert. "
        "Öffnen Sie den Link aus der E-Mail noch einmal.",
        HTTPStatus.GONE: "Dieser Link ist abgelaufen.",
        HTTPStatus.NOT_FOUND: "Der Kommentar oder das Abonnement existiert nicht mehr.",
        HTTPStatus.CONFLICT: "Der Kommentar wurde gelöscht.",
        HTTPStatus.FORBIDDEN: "Dieser Link ist nur über die Adresse des Blogs erreichbar.",
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "Die Anfrage ist zu groß.",
        HTTPStatus.SERVICE_UNAVAILABLE: "Der Dienst ist gerade ausgelastet. "
        "Versuchen Sie es gleich noch einmal.",
    },
    "en": {
        HTTPStatus.BAD_REQUEST: "This link is not valid: it is incomplete or was altered. "
        "Open the link in the email once more.",
        HTTPStatus.GONE: "This link has expired.",
        HTTPStatus.NOT_FOUND: "The comment or the subscription no longer exists.",
        HTTPStatus.CONFLICT: "The comment was deleted.",
        HTTPStatus.FORBIDDEN: "This link works only through the blog's own address.",
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "The request is too large.",
        HTTPStatus.SERVICE_UNAVAILABLE: "The service is busy. Please try again shortly.",
    },
}
_FAILED = {
    "de": "Das hat nicht geklappt. Versuchen Sie es später noch einmal.",
    "en": "That did not work. Please try again later.",
}
_TO_THE_POST = {"de": "Zum Beitrag", "en": "To the post"}


def page_response(status: HTTPStatus, page: str) -> Response[str]:
    """The answer of a page, with the headers every /actions answer carries."""
    return Response(status_code=status, content_type=HTML, body=page, headers=dict(ACTION_PAGE_HEADERS))


def page_language(blog_language: str) -> str:
    """The language of the pages for the blog's language tag (`de-AT` is German): `de` or `en`."""
    return "de" if blog_language.split("-")[0].lower() == "de" else "en"


def _page(language: str, blog_title: str, heading: str, body: str) -> str:
    title = escape(blog_title)
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(heading)} – {title}</title><style>{_STYLE}</style></head>"
        f'<body><p class="blog">{title}</p><h1>{escape(heading)}</h1>{body}</body></html>'
    )


def _texts(language: str, action: MailAction) -> _Texts:
    return _ACTIONS[language][action]


def question_page(token: ActionToken, *, blog_language: str, blog_title: str) -> str:
    """The page a link opens: what it will do, and the one button that does it (a POST to the same
    address, which is why the form names no action)."""
    language = page_language(blog_language)
    texts = _texts(language, token.action)
    question = texts.question.format(slug=token.slug, id=token.comment_id)
    body = (
        f"<p>{escape(question)}</p>"
        f'<form method="post"><button type="submit">{escape(texts.button)}</button></form>'
    )
    return _page(language, blog_title, texts.button, body)


def done_page(token: ActionToken, *, blog_language: str, blog_title: str, post_url: str | None) -> str:
    """The page after the button: what was done (the same when it had been done before)."""
    language = page_language(blog_language)
    texts = _texts(language, token.action)
    link = "" if post_url is None else f'<p><a href="{escape(post_url)}">{_TO_THE_POST[language]}</a></p>'
    return _page(language, blog_title, texts.button, f"<p>{escape(texts.done)}</p>{link}")


def error_page(status: HTTPStatus, *, blog_language: str, blog_title: str) -> str:
    """The page of a link that cannot do what it says, by the status it is answered with."""
    language = page_language(blog_language)
    message = _ERRORS[language].get(status, _FAILED[language])
    return _page(language, blog_title, f"{status.value} {status.phrase}", f"<p>{escape(message)}</p>")
