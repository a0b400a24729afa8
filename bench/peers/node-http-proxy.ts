// The Node baseline peer: a bare node-http-proxy reverse proxy with a keep-alive agent.
// Usage: node node-http-proxy.js LISTEN_PORT UPSTREAM_PORT
import httpProxy from 'http-proxy';
import { Agent, createServer } from 'node:http';

const [port = '0', upstream = '0'] = process.argv.slice(2);
const proxy = httpProxy.createProxyServer({
  target: `http://127.0.0.1:${upstream}`,
  agent: new Agent({ keepAlive: true, maxSockets: 128 }),
});
proxy.on('error', (_error, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const server = createServer((req, res) => proxy.web(req, res));
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as { port: number }).port })}\n`);
});
