// Keeps web pages from changing a proxy through its admin listener (CSRF): a page may send a
// "simple" request (GET/HEAD/POST, form or text/plain body) to any address without a CORS
// preflight, and the browser marks it with Origin. The admin listener answers no preflight, so
// only such simple requests can reach it from a page; curl, the CLI and tests send neither mark.
import type { IncomingMessage } from 'node:http';

// What an HTML form or a no-cors fetch may send without a preflight (the Fetch standard's CORS-safelisted types).
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Why a state-changing request looks sent by a browser page; undefined when it does not. */
export function browserRequestReason(req: IncomingMessage): string | undefined {
  const { origin } = req.headers;
  if (origin !== undefined) return `sent by a browser page (Origin: ${origin.slice(0, 100)}); use curl or pilotfish`;
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'none')
    return `sent by a browser page (Sec-Fetch-Site: ${fetchSite.slice(0, 20)}); use curl or pilotfish`;
  const contentType = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
  if (contentType !== undefined && SIMPLE_CONTENT_TYPES.has(contentType))
    return `a ${contentType} body is what a web form sends; send no body (curl -X POST) or another content type`;
  return undefined;
}
