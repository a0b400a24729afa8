// The gRPC baseline peer: a bare node:http2 reverse proxy, the least any proxy built on Node's
// http2 module does per call (one server stream, one client stream, headers, data and trailers
// passed through; nothing else). Two of them stand where the mesh's two sidecars stand: the `edge`
// listens h2c and dials the `inner` over TLS with a client certificate; the `inner` asks for it
// and dials the app h2c.
// Usage: node node-h2-proxy.js LISTEN_PORT UPSTREAM_PORT edge|inner CERT_FILE KEY_FILE
import {
  connect,
  createSecureServer,
  createServer,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

const [port = '0', upstreamPort = '0', role = 'edge', certFile = '', keyFile = ''] = process.argv.slice(2);
const cert = readFileSync(certFile);
const key = readFileSync(keyFile);

function dial(): Socket {
  const tcp = connectTcp({ host: '127.0.0.1', port: Number(upstreamPort), noDelay: true });
  if (role !== 'edge') return tcp;
  return connectTls({ socket: tcp, ALPNProtocols: ['h2'], servername: 'localhost', ca: cert, cert, key });
}

let session: ClientHttp2Session | undefined;
function upstream(): ClientHttp2Session {
  if (session === undefined || session.closed || session.destroyed) {
    session = connect(`${role === 'edge' ? 'https' : 'http'}://127.0.0.1:${upstreamPort}`, { createConnection: dial });
    session.on('error', () => undefined);
  }
  return session;
}

function proxy(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const request: OutgoingHttpHeaders = {};
  for (const name in headers) if (name !== ':scheme') request[name] = headers[name];
  const call = upstream().request(request, { endStream: stream.endAfterHeaders });
  let trailers: IncomingHttpHeaders = {};
  // Piped once the response is there: Node may emit a busy stream's data before its 'response'.
  call.on('response', (response) => {
    stream.respond(response, { waitForTrailers: true });
    call.pipe(stream);
  });
  call.on('trailers', (received: IncomingHttpHeaders) => {
    trailers = received;
  });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  stream.pipe(call);
  call.on('error', () => stream.destroy());
  stream.on('error', () => call.destroy());
}

const server = role === 'edge' ? createServer() : createSecureServer({ cert, key, ca: cert, requestCert: true });
server.on('stream', proxy);
server.on('connection', (socket: Socket) => socket.setNoDelay(true));
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
