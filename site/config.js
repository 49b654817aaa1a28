// Where the site finds the blog API.
//
// Operators deploying the site set apiBaseUrl to the URL of their API (the API Gateway endpoint
// or its custom domain, no trailing slash). The local server (`make run`) serves its own
// config.js in place of this file, with the port it runs on.
//
// For local development and tests, `?api=<url>` in the page address overrides the value, e.g.
// http://127.0.0.1:8080/?api=http://127.0.0.1:3001#/ (honoured only while the page itself is
// served from a loopback address, see api.js).
window.BLOG_CONFIG = { apiBaseUrl: "http://127.0.0.1:3000" };
