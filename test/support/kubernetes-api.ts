// A stand-in for kube-apiserver: HTTPS on 127.0.0.1 with a bearer token, answering list requests
// with recorded lists and holding watch streams open so a test can replay recorded events into them,
// end them, drop them, or answer the next watch with an error status (410 Gone).
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { makeCertificate } from './certificates.js';
import { readFileSync } from 'node:fs';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

export interface ApiRequest {
  path: string;
  isWatch: boolean;
  resourceVersion: string | null;
}

const TOKEN = 'replay-token';

export class KubernetesApiReplay {
  /** Every request served, in order. */
  readonly requests: ApiRequest[] = [];
  /** A kubeconfig that points client-node at this server (its CA, its token). */
  readonly kubeconfigFile: string;
  readonly #server: Server;
  readonly #lists = new Map<string, unknown>();
  readonly #watches = new Map<string, ServerResponse>();
  readonly #nextWatchAnswers = new Map<string, { status: number; body: unknown }>();
  readonly #heldWatches = new Map<string, (() => void)[]>();
  readonly #sockets = new Set<Socket>();
  #isClosed = false;

  private constructor(server: Server, kubeconfigFile: string) {
    this.#server = server;
    this.kubeconfigFile = kubeconfigFile;
  }

  /** Listens on 127.0.0.1 with a certificate made in `dir`, where the kubeconfig is written too. */
  static async start(dir: string): Promise<KubernetesApiReplay> {
    const { certificateFile, keyFile } = makeCertificate(dir, 'kube-apiserver', '127.0.0.1');
    const server = createServer({ cert: readFileSync(certificateFile), key: readFileSync(keyFile) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const kubeconfigFile = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfigFile, kubeconfig(`https://127.0.0.1:${port}`, certificateFile), { mode: 0o600 });
    const replay = new KubernetesApiReplay(server, kubeconfigFile);
    server.on('connection', (socket: Socket) => replay.#track(socket));
    server.on('request', (req, res) => replay.#answer(req.url ?? '/', req.headers.authorization, res));
    return replay;
  }

  /** What list requests for each path answer from now on (a recorded `…List` object per path). */
  setLists(lists: Record<string, unknown>): void {
    for (const [path, list] of Object.entries(lists)) this.#lists.set(path, list);
  }

  /** Watch requests received so far for `path`. */
  watchCount(path: string): number {
    return this.requests.filter((request) => request.path === path && request.isWatch).length;
  }

  hasOpenWatch(path: string): boolean {
    return this.#watches.has(path);
  }

  /** Writes one event, a line of JSON as the API server streams them, to the open watch on `path`. */
  send(path: string, event: WatchEvent): void {
    const watch = this.#watches.get(path);
    if (!watch) throw new Error(`no watch open on ${path}`);
    watch.write(`${JSON.stringify(event)}\n`);
  }

  /** Ends the watch on `path` as the API server does when its timeout passes. */
  endWatch(path: string): void {
    this.#watches.get(path)?.end();
    this.#watches.delete(path);
  }

  /** Drops the watch connection on `path` without ending the response (a network failure). */
  dropWatch(path: string): void {
    this.#watches.get(path)?.socket?.destroy();
    this.#watches.delete(path);
  }

  /** Answers the next watch request on `path` with `status` and a Status object, not a stream. */
  answerNextWatch(path: string, status: number, body: unknown): void {
    this.#nextWatchAnswers.set(path, { status, body });
  }

  /** Holds watch requests on `path` unanswered until the returned function is called. */
  holdWatches(path: string): () => void {
    this.#heldWatches.set(path, []);
    return () => {
      const held = this.#heldWatches.get(path) ?? [];
      this.#heldWatches.delete(path);
      for (const answer of held) answer();
    };
  }

  /** Watch requests on `path` being held by holdWatches. */
  heldWatchCount(path: string): number {
    return this.#heldWatches.get(path)?.length ?? 0;
  }

  /**
   * Stops listening and destroys every connection, also one still in its TLS handshake (which
   * closeAllConnections does not see, and which would otherwise bring in a watch held open for good).
   */
  async close(): Promise<void> {
    this.#isClosed = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #track(socket: Socket): void {
    if (this.#isClosed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #answer(url: string, authorization: string | undefined, res: ServerResponse): void {
    const parsed = new URL(url, 'https://127.0.0.1');
    const isWatch = parsed.searchParams.get('watch') === 'true';
    this.requests.push({ path: parsed.pathname, isWatch, resourceVersion: parsed.searchParams.get('resourceVersion') });
    if (authorization !== `Bearer ${TOKEN}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const list = this.#lists.get(parsed.pathname);
    if (list === undefined) return status(res, 404, 'NotFound', `no recorded list for ${parsed.pathname}`);
    if (!isWatch) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
      return;
    }
    const held = this.#heldWatches.get(parsed.pathname);
    if (held) {
      held.push(() => this.#openWatch(parsed.pathname, res));
      return;
    }
    const answer = this.#nextWatchAnswers.get(parsed.pathname);
    if (answer) {
      this.#nextWatchAnswers.delete(parsed.pathname);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      return;
    }
    this.#openWatch(parsed.pathname, res);
  }

  #openWatch(path: string, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    this.#watches.set(path, res);
    res.on('close', () => {
      if (this.#watches.get(path) === res) this.#watches.delete(path);
    });
  }
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function kubeconfig(server: string, certificateAuthority: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: replay
    cluster:
      server: ${server}
      certificate-authority: ${certificateAuthority}
users:
  - name: replay
    user:
      token: ${TOKEN}
contexts:
  - name: replay
    context:
      cluster: replay
      user: replay
current-context: replay
`;
}
