// The demo's frontend app: answers GET / by calling http://backend/hello. It knows nothing of the
// mesh but its sidecar's outbound address (PILOTFISH_OUTBOUND), where it sends its calls with the
// service name as Host; the sidecar picks a backend instance. Like any app in a mesh, it copies the
// trace headers it got onto its own call, so the sidecars' spans make one trace per request.
// Usage: PILOTFISH_OUTBOUND=127.0.0.1:15001 node frontend.js PORT INSTANCE (or env PORT, INSTANCE)
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = process.env.PORT ?? '8080', instance = process.env.INSTANCE ?? 'frontend'] = process.argv.slice(2);
// One keep-alive pool to the sidecar, as an app would keep to any HTTP proxy.
const outbound = new Pool(`http://${process.env.PILOTFISH_OUTBOUND ?? '127.0.0.1:15001'}`);
// W3C trace context and B3, single and multi header.
const TRACE_HEADERS = [
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
];

createServer(async (req, res) => {
  if (req.method !== 'GET' || req.url !== '/') {
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ service: 'frontend', error: `no route ${req.method} ${req.url}` }));
    return;
  }
  try {
    const headers: Record<string, string> = { host: 'backend' };
    for (const name of TRACE_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await outbound.request({ method: 'GET', path: '/hello', headers });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`backend answered ${answer.statusCode}: ${text.trim()}`);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ service: 'frontend', instance, backend: JSON.parse(text) as unknown }));
  } catch (error) {
    res
      .writeHead(502, { 'content-type': 'application/json' })
      .end(JSON.stringify({ service: 'frontend', instance, error: `calling backend: ${(error as Error).message}` }));
  }
}).listen(Number(port), '127.0.0.1');
