// The benchmark's trace collector: takes OTLP/HTTP exports (POST /v1/traces), reads each body and
// accepts it, as a collector that keeps up would. Its own CPU is not the sidecars' cost.
// Usage: node otlp-sink.js PORT
import { createServer } from 'node:http';

const [port = '0'] = process.argv.slice(2);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as { port: number }).port })}\n`);
});
