// A plain HTTP/1.1 client for tests: sets any Host, sends absolute-form targets, reads the body.
import { Agent, request, type IncomingMessage } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** Sends a request to `address` (host:port): `target` may be a path or an absolute URI (proxy form). */
export function httpRequest(
  address: string,
  target: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: target, method, headers, agent, timeout: 10_000 }, (res) =>
      readResult(res, resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${address}${target} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Reads a response whole into an HttpResult. */
export function readResult(
  res: IncomingMessage,
  resolve: (result: HttpResult) => void,
  reject: (error: Error) => void,
): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
  res.on('error', reject);
}

/** The JSON body of a test app's answer (see apps.ts): who served it and what it saw. */
export function servedBy(result: HttpResult): string {
  return (JSON.parse(result.body) as { name: string }).name;
}

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index).replace(/^\[|\]$/g, ''), Number(address.slice(index + 1))];
}
