"""Domain errors. They know nothing of HTTP: blog.http_api maps each to its status, in one place."""


class BlogError(Exception):
    """Base of the errors a request can end in. `reason` names it for problem types and metrics."""

    reason = "error"
    detail = "The request could not be completed."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.detail)
        if detail:
            self.detail = detail


class PostNotFound(BlogError):
    reason = "post-not-found"
    detail = "No published post has this slug."


class CommentNotFound(BlogError):
    reason = "comment-not-found"
    detail = "This post has no comment with this id."


class CommentDeleted(BlogError):
    reason = "comment-deleted"
    detail = "This comment was deleted; only a deleted comment's tombstone remains."


class InvalidCursor(BlogError):
    reason = "invalid-cursor"
    detail = "The cursor is malformed, altered, or belongs to another list."


class SubscriptionNotFound(BlogError):
    reason = "subscription-not-found"
    detail = "There is no such subscription: its comment was deleted, or it was ended."


class InvalidActionToken(BlogError):
    reason = "invalid-action-token"
    detail = "This link is incomplete or was altered; open the link of the mail once more."


class ActionTokenExpired(BlogError):
    reason = "action-token-expired"
    detail = "This link has expired."


class CommentRejected(BlogError):
    """A comment that the rules refuse."""


class CommentsClosed(CommentRejected):
    reason = "comments-closed"
    detail = "Comments are closed for this post."


class DuplicateComment(CommentRejected):
    reason = "duplicate-comment"
    detail = "This comment has already been submitted: the same author said the same on this post."


class ParentNotFound(CommentRejected):
    reason = "invalid-parent"
    detail = "parent_id names no approved comment of this post."


class ThreadTooDeep(CommentRejected):
    reason = "thread-too-deep"
    detail = "Replies cannot be nested this deep."


class RateLimited(CommentRejected):
    reason = "rate-limited"
    detail = "Too many comments from this address; try again later."

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__()
        self.retry_after_seconds = retry_after_seconds


class IdempotencyKeyReused(BlogError):
    reason = "idempotency-key-reused"
    detail = "This Idempotency-Key was used for a different request."


class ContentTooLarge(BlogError):
    reason = "content-too-large"
    detail = "The content is too large to store."


class ServiceUnavailable(BlogError):
    """The database is throttling, failing or unreachable: the client should retry."""

    reason = "service-unavailable"
    detail = "The service is busy; try again shortly."
    retry_after_seconds = 1
