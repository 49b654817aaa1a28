// Demo site of the serverless blog: a post list and a post page with threaded comments.
//
// Routes (hash): #/  ·  #/?cursor=…  ·  #/?category=…  ·  #/posts/<slug>
//                #/posts/<slug>/comments/<id> (the post, scrolled to that comment)
//
// Stable selectors for browser tests:
//   main#main[aria-busy]                    the view; aria-busy="true" while loading
//   .post-list                              <ol> of post summaries
//   .post-summary[data-slug]                one summary (an <article>)
//   .post-summary a.post-link               its title link to the post
//   .post-summary .post-date / .post-author / .post-category / .post-excerpt / .post-comment-count
//   .post-list-empty                        "Noch keine Beiträge."
//   a.older-posts                           next page ("Ältere Beiträge"); absent on the last page
//   a.newest-posts                          back to the first page (on later pages)
//   article.post[data-slug]                 a post; .post-title, .post-date, .post-author,
//                                           .post-category, .post-tags, .post-content
//   .not-found                              "Beitrag nicht gefunden" (404) or unknown route
//   .load-error                             any other loading failure; button.retry
//   section.comments                        the comments of a post; h2.comments-heading has the count
//   .comment-list                           top-level <ol> of comments
//   li.comment[data-comment-id]             one comment; data-parent-id, data-status
//   li.comment.comment-deleted              tombstone ("Dieser Kommentar wurde gelöscht.")
//   li.comment.comment-orphan               a reply whose parent is not on the page (top level)
//   li.comment.comment-new                  a comment the reader just published
//   .comment-author (a or span), .comment-date, .comment-content
//   .comment-replies                        <ol> of replies inside the parent's li.comment
//   button.reply                            "Antworten" (only on open threads, approved comments)
//   button.load-more-comments               "Weitere Kommentare laden"
//   .comments-empty                         "Noch keine Kommentare."
//   form.comment-form[data-parent-id]       the form; data-parent-id while replying
//   .comment-form-title, button.cancel-reply ("Abbrechen"), button.submit
//   form.comment-form [name=author_name|author_email|author_url|content]
//   .form-status[data-kind]                 status line: progress | success | error
//   .comments-closed                        "Kommentarfunktion für diesen Artikel geschlossen."
//   .comments-closing                       "Kommentare sind bis <Datum> möglich."
//   head link[rel=alternate][data-feed]     feeds: posts-atom, posts-rss, comments-atom, post-comments-atom
//   aside.recent-comments                   "Neueste Kommentare" beside the post list
//   .recent-comment[data-comment-id]        one of them; a.recent-comment-post links to the comment

import {
  ApiError, NetworkError, feedUrls, getCommentCounts, getPost, getRecentComments, listPosts,
} from "./api.js";
import { commentsSection } from "./comments.js";
import { commentCountText, el, formatDate, sanitizedHtml, timeElement } from "./dom.js";

const SITE_NAME = "Blog";
const main = document.querySelector("#main");

// ---------------------------------------------------------------- routing

function parseRoute(hash) {
  const path = hash.replace(/^#/, "") || "/";
  const queryStart = path.indexOf("?");
  const pathname = queryStart === -1 ? path : path.slice(0, queryStart);
  const params = new URLSearchParams(queryStart === -1 ? "" : path.slice(queryStart + 1));

  if (pathname === "/") {
    return { view: "list", cursor: params.get("cursor"), category: params.get("category") };
  }
  const match = pathname.match(/^\/posts\/([^/]+)(?:\/comments\/([^/]+))?\/?$/);
  if (match) {
    try {
      return {
        view: "post",
        slug: decodeURIComponent(match[1]),
        commentId: match[2] ? decodeURIComponent(match[2]) : null,
      };
    } catch {
      // malformed percent-encoding: fall through to "not found"
    }
  }
  return { view: "unknown" };
}

function listHref({ cursor, category } = {}) {
  const params = new URLSearchParams();
  if (category) params.set("category", category);
  if (cursor) params.set("cursor", cursor);
  const query = params.toString();
  return query ? `#/?${query}` : "#/";
}

const postHref = (slug) => `#/posts/${encodeURIComponent(slug)}`;

let renderedHash = null;
let renderCount = 0;

async function render({ force = false } = {}) {
  const hash = window.location.hash;
  // Hashes outside "#/…" are in-page anchors (e.g. footnotes in a post), not routes.
  if (hash && !hash.startsWith("#/") && renderedHash !== null) return;
  if (hash === renderedHash && !force) return;
  const firstRender = renderedHash === null;
  renderedHash = hash;

  const route = parseRoute(hash.startsWith("#/") ? hash : "#/");
  const current = ++renderCount;
  main.setAttribute("aria-busy", "true");
  main.replaceChildren(el("p", { class: "loading", role: "status" }, "Wird geladen …"));

  let view;
  try {
    if (route.view === "list") view = await postListView(route);
    else if (route.view === "post") view = await postView(route.slug);
    else view = notFoundView("Seite nicht gefunden", "Diese Adresse gibt es auf diesem Blog nicht.");
  } catch (error) {
    view = errorView(error, route);
  }
  if (current !== renderCount) return; // the reader has navigated on meanwhile

  setPostFeedLink(route.view === "post" ? route.slug : null);

  main.replaceChildren(view);
  main.removeAttribute("aria-busy");
  const linkedComment = route.commentId
    ? main.querySelector(`li.comment[data-comment-id="${CSS.escape(route.commentId)}"]`)
    : null;
  if (linkedComment) {
    linkedComment.scrollIntoView({ block: "start" });
  } else if (!firstRender) {
    window.scrollTo(0, 0);
    // Move focus to the new view's heading so keyboard and screen reader users start there.
    main.querySelector("h1")?.focus({ preventScroll: true });
  }
}

function setTitle(...parts) {
  document.title = [...parts, SITE_NAME].join(" – ");
}

// ---------------------------------------------------------------- feeds in <head>

function feedLink(kind, type, title, href) {
  return el("link", { rel: "alternate", type, title, href, "data-feed": kind });
}

document.head.append(
  feedLink("posts-atom", "application/atom+xml", `${SITE_NAME}: Beiträge (Atom)`, feedUrls.postsAtom),
  feedLink("posts-rss", "application/rss+xml", `${SITE_NAME}: Beiträge (RSS)`, feedUrls.postsRss),
  feedLink("comments-atom", "application/atom+xml", `${SITE_NAME}: Kommentare (Atom)`, feedUrls.commentsAtom));

/** The feed of the open post's comments, while a post is open. */
function setPostFeedLink(slug) {
  document.head.querySelector('link[data-feed="post-comments-atom"]')?.remove();
  if (slug) {
    document.head.append(feedLink("post-comments-atom", "application/atom+xml",
      "Kommentare zu diesem Beitrag (Atom)", feedUrls.postCommentsAtom(slug)));
  }
}

// ---------------------------------------------------------------- views

async function postListView({ cursor, category }) {
  const [page, recent] = await Promise.all([
    listPosts({ cursor, category }),
    getRecentComments(5).catch(() => null), // the box is extra: the list shows without it
  ]);
  setTitle(category ? `Kategorie: ${category}` : "Beiträge");

  const view = el("section", { class: "post-list-view" },
    el("h1", { class: "page-title", tabindex: -1 }, category ? `Kategorie: ${category}` : "Beiträge"));

  if (page.items.length === 0) {
    view.append(el("p", { class: "post-list-empty" }, "Noch keine Beiträge."));
  } else {
    view.append(el("ol", { class: "post-list" },
      ...page.items.map((post) => el("li", {}, postSummary(post)))));
  }

  const pagination = el("nav", { class: "pagination", "aria-label": "Seiten" });
  if (page.next_cursor) {
    pagination.append(el("a", { class: "older-posts", href: listHref({ cursor: page.next_cursor, category }) },
      "Ältere Beiträge"));
  }
  if (cursor || category) {
    pagination.append(el("a", { class: "newest-posts", href: "#/" },
      category ? "Alle Beiträge" : "Neueste Beiträge"));
  }
  if (pagination.childElementCount) view.append(pagination);
  if (recent) view.append(recentCommentsBox(recent.items));
  await showCommentCounts(view, page.items);
  return view;
}

/** Counts of the listed posts from one /comments/counts request, as a site with pre-rendered
 * pages would fetch them; on failure the counts of the list itself stay. */
async function showCommentCounts(view, posts) {
  if (posts.length === 0) return;
  let counts;
  try {
    ({ counts } = await getCommentCounts(posts.map((post) => post.slug)));
  } catch {
    return;
  }
  for (const summary of view.querySelectorAll(".post-summary")) {
    const count = counts[summary.dataset.slug];
    if (typeof count === "number") {
      summary.querySelector(".post-comment-count").textContent = commentCountText(count);
    }
  }
}

function textOf(html, length = 120) {
  const text = (new DOMParser().parseFromString(html, "text/html").body.textContent ?? "").trim();
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function recentCommentsBox(comments) {
  const box = el("aside", { class: "recent-comments", "aria-labelledby": "recent-comments-heading" },
    el("h2", { id: "recent-comments-heading" }, "Neueste Kommentare"));
  if (comments.length === 0) {
    box.append(el("p", { class: "recent-comments-empty" }, "Noch keine Kommentare."));
    return box;
  }
  box.append(el("ul", { class: "recent-comment-list" }, ...comments.map((comment) =>
    el("li", { class: "recent-comment", "data-comment-id": comment.id },
      el("span", { class: "recent-comment-author" }, comment.author_name),
      " zu ",
      el("a", {
        class: "recent-comment-post",
        href: `${postHref(comment.post_slug)}/comments/${encodeURIComponent(comment.id)}`,
      }, comment.post_title),
      el("p", { class: "recent-comment-text" }, textOf(comment.content_html)),
      timeElement(comment.created_at, { withTime: true, className: "recent-comment-date" })))));
  return box;
}

function postSummary(post) {
  return el("article", { class: "post-summary", "data-slug": post.slug },
    el("h2", { class: "post-summary-title" },
      el("a", { class: "post-link", href: postHref(post.slug) }, post.title)),
    postMeta(post),
    el("p", { class: "post-excerpt" }, post.excerpt),
    el("p", { class: "post-comment-count" }, commentCountText(post.comment_count)));
}

/** Date, category and author line, shared by the list and the post page. */
function postMeta(post) {
  return el("p", { class: "post-meta" },
    timeElement(post.published_at, { className: "post-date" }),
    post.category ? " · " : null,
    post.category
      ? el("a", { class: "post-category", href: listHref({ category: post.category }) }, post.category)
      : null,
    " · von ",
    el("span", { class: "post-author" }, post.author));
}

async function postView(slug) {
  const post = await getPost(slug);
  setTitle(post.title);

  const header = el("header", { class: "post-header" },
    el("h1", { class: "post-title", tabindex: -1 }, post.title),
    postMeta(post));
  if (post.updated_at && formatDate(post.updated_at) !== formatDate(post.published_at)) {
    header.append(el("p", { class: "post-updated" },
      "Aktualisiert am ", timeElement(post.updated_at, { className: "post-updated-date" })));
  }

  const article = el("article", { class: "post", "data-slug": post.slug },
    header,
    sanitizedHtml("post-content", post.content_html));
  if (post.tags?.length) {
    article.append(el("footer", { class: "post-footer" },
      el("h2", { class: "visually-hidden" }, "Schlagwörter"),
      el("ul", { class: "post-tags" }, ...post.tags.map((tag) => el("li", {}, tag)))));
  }

  return el("div", { class: "post-view" },
    article,
    commentsSection(post),
    el("nav", { class: "back", "aria-label": "Zurück" },
      el("a", { class: "back-link", href: "#/" }, "← Alle Beiträge")));
}

function notFoundView(title, text) {
  setTitle(title);
  return el("section", { class: "not-found" },
    el("h1", { class: "page-title", tabindex: -1 }, title),
    el("p", {}, text),
    el("p", {}, el("a", { href: "#/" }, "Zur Übersicht aller Beiträge")));
}

function errorView(error, route) {
  if (error instanceof ApiError && error.status === 404 && route.view === "post") {
    return notFoundView("Beitrag nicht gefunden",
      "Diesen Beitrag gibt es nicht (mehr), oder er ist noch nicht veröffentlicht.");
  }
  if (error instanceof ApiError && error.status === 400 && route.view === "list" && route.cursor) {
    return notFoundView("Seite nicht gefunden", "Dieser Verweis auf ältere Beiträge ist ungültig.");
  }
  const networkFailure = error instanceof NetworkError;
  if (!networkFailure && !(error instanceof ApiError)) console.error(error); // a bug, not the API
  setTitle("Fehler");
  const retry = el("button", { type: "button", class: "retry" }, "Erneut versuchen");
  retry.addEventListener("click", () => render({ force: true }));
  return el("section", { class: "load-error" },
    el("h1", { class: "page-title", tabindex: -1 }, "Das hat nicht geklappt"),
    el("p", {}, networkFailure
      ? "Der Blog-Server ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal."
      : "Die Seite konnte nicht geladen werden. Bitte versuchen Sie es gleich noch einmal."),
    retry);
}

// ---------------------------------------------------------------- start

// The skip link focuses the content without touching the hash (which holds the route).
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", () => render());
render();
