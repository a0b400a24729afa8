// The benchmark's upstream app: answers every request with 200 and a fixed body.
// Usage: node upstream-server.js PORT BODY_BYTES
import { createServer } from 'node:http';

const [port = '0', bytes = '100'] = process.argv.slice(2);
const body = Buffer.alloc(Number(bytes), 'x');

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as { port: number }).port })}\n`);
});
