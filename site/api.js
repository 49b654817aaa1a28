// Client for the blog API. The contract (routes, shapes, errors) is the API's /openapi.json.

import { isWebUrl } from "./dom.js";

export const POSTS_PER_PAGE = 5;

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The API's base URL: window.BLOG_CONFIG.apiBaseUrl (config.js), or `?api=<url>` in the page
 * address. The override is honoured only while the page is served from a loopback address:
 * on a public host it would let any link point the page at a foreign API whose HTML it renders.
 */
function resolveApiBaseUrl() {
  const override = new URLSearchParams(window.location.search).get("api");
  const configured = window.BLOG_CONFIG?.apiBaseUrl ?? "http://127.0.0.1:3000";
  const base = override && isWebUrl(override) && LOOPBACK_HOSTS.has(window.location.hostname)
    ? override
    : configured;
  return base.replace(/\/+$/, "");
}

export const apiBaseUrl = resolveApiBaseUrl();

/** The API answered with an error status; `problem` is its problem+json body (RFC 9457). */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** Validation messages: [{loc: [...], msg: "..."}]. */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

/** No answer at all: offline, DNS, connection refused, or blocked by CORS. */
export class NetworkError extends Error {
  constructor(cause) {
    super("Network request failed", { cause });
    this.name = "NetworkError";
  }
}

async function readJson(response) {
  if (!/json/.test(response.headers.get("Content-Type") ?? "")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function request(path, { method = "GET", query = {}, body, headers = {} } = {}) {
  const url = new URL(apiBaseUrl + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "omit" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method === "GET") {
    // Revalidate with the ETag every time (a 304 costs little): a reader who has just
    // commented must find the comment again after a reload, not a copy up to max-age old.
    init.cache = "no-cache";
  }

  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new NetworkError(error);
  }
  const data = await readJson(response);
  if (!response.ok) {
    const problem = data && typeof data === "object" ? data : {};
    throw new ApiError(response.status, problem, response.headers.get("Retry-After"));
  }
  return data;
}

const postPath = (slug) => `/posts/${encodeURIComponent(slug)}`;

/** One page of post summaries, newest first: {items, next_cursor}. */
export function listPosts({ cursor, category } = {}) {
  return request("/posts", { query: { limit: POSTS_PER_PAGE, cursor, category } });
}

/** A post with the first page of its comments. */
export function getPost(slug) {
  return request(postPath(slug));
}

/** The next page of a post's comments: {items, next_cursor}. */
export function getComments(slug, cursor) {
  return request(`${postPath(slug)}/comments`, { query: { cursor } });
}

/** Approved comments per post, all in one request: {counts: {slug: n}}. */
export function getCommentCounts(slugs) {
  const query = new URLSearchParams(slugs.map((slug) => ["slug", slug]));
  return request(`/comments/counts?${query}`);
}

/** The blog's newest approved comments with their posts: {items: [Comment + post_slug, post_title]}. */
export function getRecentComments(limit = 5) {
  return request("/comments/recent", { query: { limit } });
}

/** The addresses of the API's feeds, for <link rel="alternate"> in the page's <head>. */
export const feedUrls = {
  postsAtom: `${apiBaseUrl}/feed.atom`,
  postsRss: `${apiBaseUrl}/feed.rss`,
  commentsAtom: `${apiBaseUrl}/comments.atom`,
  postCommentsAtom: (slug) => `${apiBaseUrl}${postPath(slug)}/comments.atom`,
};

/** Submit a NewComment; resolves to the created Comment (status "approved" or "pending"). */
export function submitComment(slug, comment, idempotencyKey) {
  return request(`${postPath(slug)}/comments`, {
    method: "POST",
    body: comment,
    headers: { "Idempotency-Key": idempotencyKey },
  });
}
