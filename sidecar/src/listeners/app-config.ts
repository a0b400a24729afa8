// The app-facing config API on the admin listener: the parameters of this instance's service
// (ServiceConfig, resolved for its labels), as JSON with a strong ETag, or watched as Server-Sent
// Events. Each change is rendered once and written to every watcher; one timer keeps them alive.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface AppConfigOptions {
  /** The service FQDN, as the `service` field says. */
  service: string;
  /** A comment line goes to every watcher this often, so proxies and idle timeouts keep the stream. */
  keepAliveMs?: number;
}

// A watcher that reads slower than this much piles up is cut off; it reconnects and gets the latest.
const MAX_WATCHER_BACKLOG = 1 << 20;
const KEEP_ALIVE = ': keep-alive\n\n';

export class AppConfig {
  #service: string;
  #keepAliveMs: number;
  #version = '';
  #body = '';
  #etag = '';
  #event = '';
  #watchers = new Set<ServerResponse>();
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(options: AppConfigOptions) {
    this.#service = options.service;
    this.#keepAliveMs = options.keepAliveMs ?? 15_000;
    // Before any ServiceConfig arrives (or when the service has none): empty parameters, no version.
    this.#render(undefined);
  }

  get version(): string {
    return this.#version;
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }

  /**
   * Sets the parameters in force (undefined: the service has no ServiceConfig). Returns whether
   * they changed; only a change reaches watchers.
   */
  update(parameters: Record<string, unknown> | undefined): boolean {
    const before = this.#body;
    this.#render(parameters);
    if (this.#body === before) return false;
    for (const res of this.#watchers) this.#write(res, this.#event);
    return true;
  }

  /** GET /v1/config: the JSON, or 304 when If-None-Match names the current ETag. */
  get(req: IncomingMessage, res: ServerResponse): void {
    const headers = { etag: this.#etag, 'cache-control': 'no-cache' };
    if (matchesEtag(req.headers['if-none-match'], this.#etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(`${this.#body}\n`);
  }

  /** GET /v1/config?watch=true: the current config as an event at once, then one per change. */
  watch(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(this.#event);
    this.#watchers.add(res);
    const forget = () => {
      this.#watchers.delete(res);
      if (this.#watchers.size === 0) this.#stopKeepAlive();
    };
    res.once('close', forget);
    req.once('close', forget);
    if (this.#keepAlive === undefined) {
      this.#keepAlive = setInterval(() => {
        for (const watcher of this.#watchers) this.#write(watcher, KEEP_ALIVE);
      }, this.#keepAliveMs);
      this.#keepAlive.unref();
    }
  }

  /** Ends every watch (on shutdown). */
  close(): void {
    this.#stopKeepAlive();
    for (const res of this.#watchers) res.end();
    this.#watchers.clear();
  }

  #render(parameters: Record<string, unknown> | undefined): void {
    const canonical = canonicalJson(parameters ?? {});
    this.#version = parameters === undefined ? '' : hash(canonical);
    this.#body = `{"service":${JSON.stringify(this.#service)},"version":${JSON.stringify(this.#version)},"parameters":${canonical}}`;
    this.#etag = `"${hash(this.#body)}"`;
    this.#event = `event: config\nid: ${this.#version}\ndata: ${this.#body}\n\n`;
  }

  #write(res: ServerResponse, chunk: string): void {
    if (res.writableLength > MAX_WATCHER_BACKLOG) {
      res.destroy();
      return;
    }
    res.write(chunk);
  }

  #stopKeepAlive(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted at every depth: equal parameters give equal text, so equal versions. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** If-None-Match: `*`, or a list of entity tags compared weakly (RFC 9110 §13.1.2). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
