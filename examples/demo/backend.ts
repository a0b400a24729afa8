// The demo's backend app: a plain HTTP server that says which instance answered. It knows nothing
// of the mesh; its sidecar forwards inbound requests to it.
// Usage: node backend.js PORT INSTANCE (or env PORT, INSTANCE)
import { createServer } from 'node:http';

const [port = process.env.PORT ?? '8080', instance = process.env.INSTANCE ?? 'backend'] = process.argv.slice(2);

createServer((req, res) => {
  const body = JSON.stringify({ service: 'backend', instance, path: req.url, time: new Date().toISOString() });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
}).listen(Number(port), '127.0.0.1');
