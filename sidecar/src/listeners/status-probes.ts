// The app's own probes (app-probe-schema.ts), run by the status listener with kubelet's pass rules.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { probeGrpcHealth } from '../cluster/grpc-health-probe.js';
import type { AppProbe } from './app-probe-schema.js';

const LOCALHOST = '127.0.0.1';

/** Runs one probe against the app; resolves whether it passed (HTTP 200–399, a TCP connect, gRPC SERVING). */
export function runAppProbe(probe: AppProbe): Promise<boolean> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  return new Promise((resolve) => {
    if ('httpGet' in probe) {
      const { path, port, scheme, host = LOCALHOST, httpHeaders = [] } = probe.httpGet;
      const headers = Object.fromEntries(httpHeaders.map((header) => [header.name, header.value]));
      const options = { host, port, path, headers, timeout: timeoutMs, rejectUnauthorized: false };
      // kubelet does not verify an app's certificate either.
      const req = (scheme === 'HTTPS' ? httpsRequest : httpRequest)(options, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400);
      });
      req.on('timeout', () => req.destroy(new Error('probe timed out'))).on('error', () => resolve(false));
      req.end();
    } else if ('tcpSocket' in probe) {
      const socket = connect({
        host: probe.tcpSocket.host ?? LOCALHOST,
        port: probe.tcpSocket.port,
        timeout: timeoutMs,
      });
      const done = (passed: boolean) => {
        socket.destroy();
        resolve(passed);
      };
      socket
        .on('connect', () => done(true))
        .on('timeout', () => done(false))
        .on('error', () => done(false));
    } else {
      const { port, service = '' } = probe.grpc;
      const target = { address: LOCALHOST, port, authority: `${LOCALHOST}:${port}`, serviceName: service };
      const timer = setTimeout(() => {
        cancel();
        resolve(false);
      }, timeoutMs);
      const cancel = probeGrpcHealth(target, (isServing) => {
        clearTimeout(timer);
        resolve(isServing);
      });
    }
  });
}
