// The demo's frontend app: answers GET / by calling http://backend/hello. It knows nothing of the
// mesh but its sidecar's outbound address (PILOTFISH_OUTBOUND), where it sends its calls with the
// service name as Host; the sidecar picks a backend instance.
// Usage: PILOTFISH_OUTBOUND=127.0.0.1:15001 node frontend.js PORT INSTANCE (or env PORT, INSTANCE)
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = process.env.PORT ?? '8080', instance = process.env.INSTANCE ?? 'frontend'] = process.argv.slice(2);
// One keep-alive pool to the sidecar, as an app would keep to any HTTP proxy.
const outbound = new Pool(`http://${process.env.PILOTFISH_OUTBOUND ?? '127.0.0.1:15001'}`);

createServer(async (req, res) => {
  if (req.method !== 'GET' || req.url !== '/') {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ service: 'frontend', error: `no route ${req.method} ${req.url}` }));
    return;
  }
  try {
    const answer = await outbound.request({ method: 'GET', path: '/hello', headers: { host: 'backend' } });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`backend answered ${answer.statusCode}: ${text.trim()}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: 'frontend', instance, backend: JSON.parse(text) }));
  } catch (error) {
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ service: 'frontend', instance, error: `calling backend: ${(error as Error).message}` }));
  }
}).listen(Number(port), '127.0.0.1');
