// The demo's frontend app: answers GET / by calling http://backend/hello. It knows nothing of the
// mesh but its sidecar's outbound address (PILOTFISH_OUTBOUND), where it sends calls for `backend`.
// Usage: PILOTFISH_OUTBOUND=127.0.0.1:15001 node frontend.js PORT
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = '8080'] = process.argv.slice(2);
const outbound = new Pool(`http://${process.env.PILOTFISH_OUTBOUND ?? '127.0.0.1:15001'}`);

createServer(async (_req, res) => {
  try {
    const answer = await outbound.request({ method: 'GET', path: '/hello', headers: { host: 'backend' } });
    const text = await answer.body.text();
    if (answer.statusCode !== 200) throw new Error(`backend answered ${answer.statusCode}: ${text.trim()}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: 'frontend', backend: JSON.parse(text) }));
  } catch (error) {
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`frontend could not reach backend: ${(error as Error).message}\n`);
  }
}).listen(Number(port), '127.0.0.1');
