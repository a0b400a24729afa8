// Reads JSON from an admin listener (a sidecar's, a gateway's or the control plane's) over node:http:
// fetch refuses the WHATWG "bad ports" (6000, 10080, …), and an admin listener may be on any port.
import { get } from 'node:http';

const TIMEOUT_MS = 5000;

/** GETs `http://ADDRESS/PATH` as JSON; errors name `what` (e.g. "the sidecar admin") and the URL. */
export function getAdminJson<T>(address: string, path: string, what: string): Promise<T> {
  const url = `http://${address}${path}`;
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('error', (error) => reject(new Error(`reading ${url} failed`, { cause: error })));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new Error(`${url} answered ${response.statusCode}`));
          return;
        }
        try {
          resolve(JSON.parse(body) as T);
        } catch (error) {
          reject(new Error(`${url} answered something that is not JSON`, { cause: error }));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    request.on('error', (error) => reject(new Error(`cannot reach ${what} at ${url}`, { cause: error })));
  });
}
