// The comments of a post: the thread (nested lists), "load more", and the comment form.

import { ApiError, NetworkError, getComments, submitComment } from "./api.js";
import { commentCountText, el, formatDate, isWebUrl, sanitizedHtml, timeElement } from "./dom.js";

const FIELD_LABELS = {
  author_name: "Name",
  author_email: "E-Mail",
  author_url: "Website",
  content: "Kommentar",
  parent_id: "Antwort auf",
  notify_replies: "Bei Antworten benachrichtigen",
};
const EMAIL_HINT = "Optional, wird nicht veröffentlicht.";
const EMAIL_HINT_FOR_NOTIFICATIONS = "Für die Benachrichtigung nötig, wird nicht veröffentlicht.";

/** Whether the post takes comments now (closes_at may have passed before the daily close job ran). */
export function commentsAreOpen(post) {
  return Boolean(post.comments_open) && !(post.closes_at && new Date(post.closes_at) <= new Date());
}

/** The comments section of a post page. */
export function commentsSection(post) {
  const open = commentsAreOpen(post);
  let count = post.comment_count ?? post.comments.length;

  const heading = el("h2", { id: "comments-heading", class: "comments-heading" }, commentCountText(count));
  const list = el("ol", { class: "comment-list" });
  const empty = el("p", { class: "comments-empty" }, "Noch keine Kommentare.");
  const section = el("section", { class: "comments", "aria-labelledby": "comments-heading" }, heading);

  const thread = new Thread(list, { canReply: open });
  thread.addAll(post.comments);
  section.append(list, empty);
  empty.hidden = thread.size > 0;

  if (post.comments_next_cursor) {
    section.append(loadMoreButton(post.slug, post.comments_next_cursor, thread));
  }

  if (!open) {
    section.append(el("p", { class: "comments-closed" }, "Kommentarfunktion für diesen Artikel geschlossen."));
    return section;
  }

  if (post.closes_at) {
    section.append(el("p", { class: "comments-closing" },
      `Kommentare sind bis ${formatDate(post.closes_at)} möglich.`));
  }

  const home = el("div", { class: "comment-form-home" });
  section.append(home);
  commentForm(post.slug, thread, home, {
    onPublished() {
      count += 1;
      heading.textContent = commentCountText(count);
      empty.hidden = true;
    },
  });
  return section;
}

/**
 * The rendered thread. Comments arrive in thread order (a reply after its parent); each goes
 * under its parent's <li> when that is on the page, else at top level.
 */
class Thread {
  constructor(list, { canReply }) {
    this.list = list;
    this.canReply = canReply;
    this.items = new Map(); // comment id -> <li>
  }

  get size() {
    return this.items.size;
  }

  addAll(comments) {
    for (const comment of comments) this.add(comment);
  }

  /** Render one comment into its place; returns its <li> (the existing one if already shown). */
  add(comment) {
    if (this.items.has(comment.id)) return this.items.get(comment.id);
    const item = this.render(comment);
    const parent = comment.parent_id ? this.items.get(comment.parent_id) : undefined;
    if (parent) {
      repliesOf(parent).append(item);
    } else {
      if (comment.parent_id) item.classList.add("comment-orphan"); // its parent is not on the page
      this.list.append(item);
    }
    this.items.set(comment.id, item);
    return item;
  }

  render(comment) {
    const item = el("li", {
      class: "comment",
      "data-comment-id": comment.id,
      "data-parent-id": comment.parent_id,
      "data-status": comment.status,
    });

    if (comment.status === "deleted") {
      item.classList.add("comment-deleted");
      item.append(el("div", { class: "comment-body" },
        el("p", { class: "comment-content" }, "Dieser Kommentar wurde gelöscht.")));
      return item;
    }

    const author = comment.author_url && isWebUrl(comment.author_url)
      ? el("a", { class: "comment-author", href: comment.author_url, rel: "nofollow ugc noopener" }, comment.author_name)
      : el("span", { class: "comment-author" }, comment.author_name);
    const body = el("article", { class: "comment-body" },
      el("header", { class: "comment-meta" },
        author, " ", timeElement(comment.created_at, { withTime: true, className: "comment-date" })),
      sanitizedHtml("comment-content", comment.content_html));

    // Replies go only to approved comments (the API refuses others as parents).
    if (this.canReply && comment.status === "approved") {
      body.append(el("button", { type: "button", class: "reply" }, "Antworten"));
    }
    item.append(body);
    return item;
  }
}

function repliesOf(item) {
  let replies = item.querySelector(":scope > .comment-replies");
  if (!replies) {
    replies = el("ol", { class: "comment-replies" });
    item.append(replies);
  }
  return replies;
}

function loadMoreButton(slug, firstCursor, thread) {
  let cursor = firstCursor;
  const button = el("button", { type: "button", class: "load-more-comments" }, "Weitere Kommentare laden");
  const status = el("p", { class: "load-more-status", role: "status" });
  const wrapper = el("div", { class: "load-more" }, button, status);

  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "Kommentare werden geladen …";
    try {
      const page = await getComments(slug, cursor);
      thread.addAll(page.items);
      cursor = page.next_cursor;
      status.textContent = "";
      if (!cursor) wrapper.remove();
    } catch (error) {
      status.textContent = error instanceof NetworkError
        ? "Keine Verbindung zum Server. Bitte versuchen Sie es erneut."
        : "Die Kommentare konnten nicht geladen werden. Bitte versuchen Sie es erneut.";
    } finally {
      button.disabled = false;
    }
  });
  return wrapper;
}

/** A text field with its label and an optional hint, wired for screen readers. */
function field(id, label, control, hint) {
  const hintId = hint ? `${id}-hint` : null;
  control.id = id;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    control,
    hint ? el("p", { class: "field-hint", id: hintId }, hint) : null);
}

/** A checkbox with its label after it and a hint below, wired for screen readers. */
function checkboxField(id, label, control, hint) {
  const hintId = `${id}-hint`;
  control.id = id;
  control.setAttribute("aria-describedby", hintId);
  return el("div", { class: "field field-checkbox" },
    control,
    el("label", { for: id }, label),
    el("p", { class: "field-hint", id: hintId }, hint));
}

function commentForm(slug, thread, home, { onPublished }) {
  const title = el("h3", { class: "comment-form-title", id: "comment-form-title" }, "Kommentar schreiben");
  const cancel = el("button", { type: "button", class: "cancel-reply", hidden: true }, "Abbrechen");
  const submit = el("button", { type: "submit", class: "submit" }, "Kommentar senden");
  const status = el("div", { class: "form-status", role: "status", "aria-live": "polite" });
  const form = el("form", { class: "comment-form", "aria-labelledby": "comment-form-title" },
    el("div", { class: "comment-form-header" }, title, cancel),
    field("comment-author-name", "Name",
      el("input", { name: "author_name", required: true, maxlength: 80, autocomplete: "name" })),
    field("comment-author-email", "E-Mail",
      el("input", { name: "author_email", type: "email", autocomplete: "email" }),
      EMAIL_HINT),
    field("comment-author-url", "Website",
      el("input", { name: "author_url", type: "url", autocomplete: "url", placeholder: "https://" }),
      "Optional."),
    field("comment-content", "Kommentar",
      el("textarea", { name: "content", required: true, maxlength: 5000, rows: 6 }),
      "Markdown ist erlaubt, höchstens 5000 Zeichen."),
    checkboxField("comment-notify-replies", "Bei Antworten benachrichtigen",
      el("input", { name: "notify_replies", type: "checkbox", value: "true" }),
      "Sie erhalten zuerst eine E-Mail zur Bestätigung. Jede Benachrichtigung lässt sich mit einem Klick abbestellen."),
    // The honeypot: hidden from people and from screen readers, filled in by bots.
    el("div", { class: "honeypot", "aria-hidden": "true" },
      el("label", {}, "Homepage (bitte leer lassen) ",
        el("input", { name: "website", tabindex: -1, autocomplete: "off" }))),
    el("div", { class: "form-actions" }, submit),
    status);
  home.append(form);

  const email = form.elements.author_email;
  const notify = form.elements.notify_replies;
  // Notifications go to the email address: with the box ticked it is required.
  function syncNotify() {
    email.required = notify.checked;
    form.querySelector("#comment-author-email-hint").textContent =
      notify.checked ? EMAIL_HINT_FOR_NOTIFICATIONS : EMAIL_HINT;
  }
  notify.addEventListener("change", syncNotify);

  let parentItem = null; // the <li> replied to, or null for a top-level comment
  let attempt = null; // {key, body} of a submission whose outcome is unknown (network failure)

  function replyTo(item) {
    parentItem = item;
    if (item) {
      item.querySelector(":scope > .comment-body").after(form);
      form.dataset.parentId = item.dataset.commentId;
      title.textContent = `Antwort an ${item.querySelector(".comment-author").textContent}`;
    } else {
      home.append(form);
      delete form.dataset.parentId;
      title.textContent = "Kommentar schreiben";
    }
    cancel.hidden = !item;
  }

  function setStatus(kind, message, details = []) {
    // An error interrupts (role=alert); progress and success are announced politely.
    status.setAttribute("role", kind === "error" ? "alert" : "status");
    status.setAttribute("aria-live", kind === "error" ? "assertive" : "polite");
    status.dataset.kind = kind;
    status.replaceChildren(el("p", {}, message));
    if (details.length) {
      status.append(el("ul", { class: "form-errors" }, ...details.map((text) => el("li", {}, text))));
    }
  }

  function readForm() {
    const data = new FormData(form);
    const comment = { author_name: data.get("author_name").trim() };
    for (const name of ["author_email", "author_url"]) {
      const value = data.get(name).trim();
      if (value) comment[name] = value; // optional fields are left out, never sent empty
    }
    comment.content = data.get("content");
    if (data.get("notify_replies")) comment.notify_replies = true; // never sent when unticked
    if (data.get("website")) comment.website = data.get("website");
    if (parentItem) comment.parent_id = parentItem.dataset.commentId;
    return comment;
  }

  function showError(error) {
    if (error instanceof NetworkError) {
      setStatus("error", "Der Kommentar konnte nicht gesendet werden: keine Verbindung zum Server. "
        + "Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.");
      return;
    }
    if (!(error instanceof ApiError)) {
      setStatus("error", "Beim Senden ist ein unerwarteter Fehler aufgetreten.");
      throw error;
    }
    const details = error.fieldErrors.map(({ loc = [], msg }) => {
      const name = [...loc].reverse().find((part) => part in FIELD_LABELS);
      form.elements[name]?.setAttribute("aria-invalid", "true");
      return name ? `${FIELD_LABELS[name]}: ${msg}` : msg;
    });
    let message = messageFor(error);
    const seconds = Number.parseInt(error.retryAfter ?? "", 10);
    if (error.status === 429 && seconds > 0) {
      message += ` Bitte versuchen Sie es in ${seconds} Sekunden erneut.`;
    }
    setStatus("error", message, details);
  }

  cancel.addEventListener("click", () => {
    const item = parentItem;
    replyTo(null);
    item?.querySelector(":scope > .comment-body .reply")?.focus();
  });

  thread.list.addEventListener("click", (event) => {
    const button = event.target.closest("button.reply");
    if (!button) return;
    replyTo(button.closest("li.comment"));
    status.replaceChildren();
    (form.elements.author_name.value ? form.elements.content : form.elements.author_name).focus();
  });

  form.addEventListener("input", (event) => event.target.removeAttribute("aria-invalid"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const control of form.elements) control.removeAttribute("aria-invalid");
    const comment = readForm();
    // One key per submission: a retry of the same text after a network failure reuses it, so
    // the API stores the comment once even if the first request did reach it.
    const body = JSON.stringify(comment);
    if (!attempt || attempt.body !== body) attempt = { key: newIdempotencyKey(), body };

    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    setStatus("progress", "Kommentar wird gesendet …");
    try {
      const saved = await submitComment(slug, comment, attempt.key);
      attempt = null;
      form.reset();
      syncNotify();
      replyTo(null);
      // No mail goes out to a suppressed address, without a sender, or for spam: no promise of one.
      const confirmation = comment.notify_replies
        ? " Sie erhalten eine E-Mail zur Bestätigung, sofern wir Ihnen an diese Adresse schreiben können. " +
          "Bitte bestätigen Sie die Benachrichtigung über den Link darin."
        : "";
      if (saved.status === "approved") {
        const item = thread.add(saved);
        item.classList.add("comment-new");
        onPublished();
        setStatus("success", `Danke! Ihr Kommentar ist veröffentlicht.${confirmation}`);
        item.tabIndex = -1;
        item.focus(); // keyboard and screen reader users land on their comment
      } else {
        setStatus("success", `Danke! Ihr Kommentar wartet auf Freigabe.${confirmation}`);
        if (!form.contains(document.activeElement)) submit.focus(); // moving the form dropped focus
      }
    } catch (error) {
      // The API answered, so it decided: the next attempt is a new submission with a new key.
      // Without an answer (network failure, 5xx) the outcome is unknown: keep the key.
      if (error instanceof ApiError && error.status < 500) attempt = null;
      showError(error);
    } finally {
      submit.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
}

// The API's problem types (docs/API.md, "Errors"): its `detail` is English, readers here read German.
const PROBLEM_MESSAGES = {
  "comments-closed": "Die Kommentarfunktion für diesen Artikel ist geschlossen.",
  "post-not-found": "Diesen Beitrag gibt es nicht (mehr).",
  "duplicate-comment": "Diesen Kommentar haben Sie bereits gesendet.",
  "rate-limited": "Zu viele Kommentare in kurzer Zeit.",
  "invalid-parent": "Der Kommentar, auf den Sie antworten, ist nicht (mehr) freigegeben.",
  "thread-too-deep": "Auf diese Antwort kann nicht weiter geantwortet werden.",
  "validation-error": "Bitte prüfen Sie Ihre Eingaben.",
  "request-too-large": "Der Kommentar ist zu lang.",
  "malformed-json": "Der Kommentar konnte nicht gelesen werden.",
  "service-unavailable": "Der Dienst ist gerade ausgelastet. Bitte versuchen Sie es gleich noch einmal.",
};

function messageFor(error) {
  const type = String(error.problem.type ?? "").split("/").pop();
  return PROBLEM_MESSAGES[type] ?? fallbackMessage(error.status);
}

function fallbackMessage(status) {
  const messages = {
    403: "Die Kommentarfunktion für diesen Artikel ist geschlossen.",
    404: "Diesen Beitrag gibt es nicht (mehr).",
    409: "Dieser Kommentar wurde bereits gesendet.",
    413: "Der Kommentar ist zu lang.",
    422: "Bitte prüfen Sie Ihre Eingaben.",
    429: "Zu viele Kommentare in kurzer Zeit.",
  };
  return messages[status]
    ?? `Der Kommentar konnte nicht gespeichert werden (Fehler ${status}). Bitte versuchen Sie es später erneut.`;
}

function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context (HTTPS or loopback); build the same v4 UUID by hand.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
