// The demo's backend app: a plain HTTP server that says which instance answered.
// Usage: node backend.js PORT INSTANCE_NAME
import { createServer } from 'node:http';

const [port = '8080', instance = 'backend'] = process.argv.slice(2);

createServer((req, res) => {
  const body = JSON.stringify({ service: 'backend', instance, path: req.url, time: new Date().toISOString() });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
}).listen(Number(port), '127.0.0.1');
