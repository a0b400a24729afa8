// The mutating admission webhook's HTTPS listener: `POST /inject` with an AdmissionReview v1 (the API
// server only calls webhooks over TLS). A bad request gets a 4xx that says why; nothing here throws.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../../../shared/host-port.js';
import { reviewAdmission, type AdmissionOutcome } from './admission-review.js';
import type { InjectionSettings } from './injection-settings.js';

// A Pod is far below this; anything larger is not an AdmissionReview worth reading.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface WebhookOptions {
  listen: HostPort;
  certificateFile: string;
  keyFile: string;
  settings: InjectionSettings;
  logger: Logger;
}

export interface InjectionWebhook {
  address: string;
  stop(): Promise<void>;
}

export async function startInjectionWebhook(options: WebhookOptions): Promise<InjectionWebhook> {
  const read = (file: string, flag: string) =>
    readFile(file).catch((error: unknown) => {
      throw new Error(`${flag}: cannot read ${file}`, { cause: error });
    });
  const [cert, key] = await Promise.all([
    read(options.certificateFile, '--webhook-cert'),
    read(options.keyFile, '--webhook-key'),
  ]);
  const server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (req, res) => handle(req, res, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const address = formatHostPort({ host: options.listen.host, port });
  options.logger.info({ webhook: address }, 'injection webhook listening');
  return { address, stop: () => close(server) };
}

function handle(req: IncomingMessage, res: ServerResponse, options: WebhookOptions): void {
  const reply = (status: number, body: string, type = 'text/plain'): void => {
    res.writeHead(status, { 'content-type': type }).end(body);
  };
  if (req.url?.split('?')[0] !== '/inject') return reply(404, 'not found: the webhook serves POST /inject\n');
  if (req.method !== 'POST') return reply(405, 'method not allowed: POST an AdmissionReview v1 to /inject\n');
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      reply(413, `request body over ${MAX_BODY_BYTES} bytes\n`);
      req.destroy();
    } else chunks.push(chunk);
  });
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      return reply(400, `not an AdmissionReview v1: the body is not JSON (${(error as Error).message})\n`);
    }
    let outcome: AdmissionOutcome;
    try {
      outcome = reviewAdmission(body, options.settings);
    } catch (error) {
      options.logger.error({ err: error }, 'injection webhook: review failed');
      return reply(500, `injection failed: ${(error as Error).message}\n`);
    }
    if (outcome.status === 400) {
      options.logger.warn({ reason: outcome.message }, 'injection webhook: bad request');
      return reply(400, `${outcome.message}\n`);
    }
    const { response } = outcome.review;
    options.logger.info(
      { uid: response.uid, injected: response.patch !== undefined, warnings: response.warnings },
      'injection webhook: reviewed',
    );
    reply(200, JSON.stringify(outcome.review), 'application/json');
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
