// Small DOM and formatting helpers shared by the views.

/**
 * Create an element: el("a", { class: "post-link", href }, "Text", childNode, ...).
 * Attributes that are null, undefined or false are left out. Children are nodes or strings;
 * strings become text nodes, so untrusted text is never parsed as HTML.
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/** HTML that the API has already sanitized (content_html) as a <div>; nothing else goes here. */
export function sanitizedHtml(className, html) {
  const container = el("div", { class: className });
  container.innerHTML = html ?? "";
  return container;
}

const dateFormat = new Intl.DateTimeFormat("de-DE", { dateStyle: "long" });
const dateTimeFormat = new Intl.DateTimeFormat("de-DE", { dateStyle: "long", timeStyle: "short" });

export function formatDate(iso, { withTime = false } = {}) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "");
  return (withTime ? dateTimeFormat : dateFormat).format(date);
}

/** A <time> element showing an ISO 8601 timestamp as a German date (and time). */
export function timeElement(iso, { withTime = false, className } = {}) {
  return el("time", { class: className, datetime: iso }, formatDate(iso, { withTime }));
}

export function commentCountText(count) {
  return count === 1 ? "1 Kommentar" : `${count.toLocaleString("de-DE")} Kommentare`;
}

/** Only http(s) addresses become links; anything else (javascript:, data:) stays text. */
export function isWebUrl(value) {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
