// The app's own probes, as injection moved them into PILOTFISH_APP_PROBES (JSON: path → http, tcp or
// grpc probe): parsed once at start, then run by the status listener with kubelet's pass rules.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { z } from 'zod';
import { probeGrpcHealth } from '../cluster/grpc-health-probe.js';

const port = z.number().int().min(1).max(65535);
const appProbe = z.union([
  z.object({
    timeoutSeconds: z.number().positive(),
    httpGet: z.object({
      path: z.string(),
      port,
      scheme: z.enum(['HTTP', 'HTTPS']),
      host: z.string().optional(),
      httpHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    }),
  }),
  z.object({ timeoutSeconds: z.number().positive(), tcpSocket: z.object({ port, host: z.string().optional() }) }),
  z.object({ timeoutSeconds: z.number().positive(), grpc: z.object({ port, service: z.string().optional() }) }),
]);

export type AppProbe = z.infer<typeof appProbe>;

/** Parses the env value; throws naming the variable, the path and the field that is wrong. */
export function parseAppProbes(json: string | undefined, variable = 'PILOTFISH_APP_PROBES'): Map<string, AppProbe> {
  if (json === undefined || json.trim() === '') return new Map();
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${variable} is not JSON`, { cause: error });
  }
  const parsed = z.record(z.string().regex(/^\/app-health\//), appProbe).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${variable}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return new Map(Object.entries(parsed.data));
}

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
