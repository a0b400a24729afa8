// The status listener (Istio's 15021) that kubelet probes once traffic is intercepted: /healthz/ready
// for the sidecar itself, /app-health/<container>/<livez|readyz|startupz> forwarding the app's own probe.
import { createServer, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { listenOn, type Listener } from './listener.js';
import type { AppProbe } from './app-probe-schema.js';
import { runAppProbe } from './status-probes.js';

export interface StatusSources {
  isReady(): boolean;
  appProbes: Map<string, AppProbe>;
  logger: Logger;
}

export function createStatusListener(sources: StatusSources): Listener {
  const answer = (res: ServerResponse, status: number, text: string) =>
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`${text}\n`);
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0] ?? '';
    if (req.method !== 'GET') return answer(res, 405, 'method not allowed: GET');
    if (path === '/healthz/ready')
      return sources.isReady() ? answer(res, 200, 'ready') : answer(res, 503, 'not ready: no config yet');
    const probe = sources.appProbes.get(path);
    if (probe === undefined) return answer(res, 404, `no probe at ${path}`);
    runAppProbe(probe).then(
      (passed) => (passed ? answer(res, 200, 'app probe passed') : answer(res, 503, 'app probe failed')),
      (error: unknown) => {
        sources.logger.error({ err: error, path }, 'app probe could not run');
        answer(res, 500, 'app probe could not run');
      },
    );
  });
  return {
    listen: (host, port) => listenOn(server, 'status', host, port, sources.logger),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
