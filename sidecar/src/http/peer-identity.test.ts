import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { loadStateDirCa } from '../../../control-plane/src/identity/state-dir-ca.js';
import { SvidIssuer } from '../../../control-plane/src/identity/svid-issuer.js';
import { createCertificateRequest } from '../identity/certificate-request.js';
import { peerIdentity } from './peer-identity.js';

interface Credentials {
  key: string;
  cert: string;
  ca: string;
}

async function svid(stateDir: string, serviceAccount: string): Promise<Credentials> {
  const ca = await loadStateDirCa(stateDir, 'cluster.local', new Date());
  const request = await createCertificateRequest();
  const issued = await new SvidIssuer({ ca, trustDomain: 'cluster.local' }).issue(request.csrPem, {
    namespace: 'shop',
    serviceAccount,
  });
  return { key: request.privateKeyPem, cert: issued.certificateChain, ca: issued.trustBundle };
}

/** The identity the server reads for a client presenting `client` (or no certificate) over TLS. */
async function identityOfClient(server: Credentials, client: Partial<Credentials>): Promise<string | undefined> {
  // The server lets unverified clients in, so that the test sees what peerIdentity makes of them.
  const listener = createServer({
    key: server.key,
    cert: server.cert,
    ca: server.ca,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const seen = new Promise<string | undefined>((resolve) =>
    listener.once('secureConnection', (socket: TLSSocket) => {
      resolve(peerIdentity(socket));
      socket.end();
    }),
  );
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  const socket = connect({ host: '127.0.0.1', port, ca: server.ca, checkServerIdentity: () => undefined, ...client });
  socket.on('error', () => undefined);
  try {
    return await seen;
  } finally {
    socket.destroy();
    listener.close();
  }
}

describe('peerIdentity', () => {
  const dirs: string[] = [];
  let mesh: { server: Credentials; client: Credentials; stranger: Credentials };
  before(async () => {
    const [meshDir, otherDir] = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'pilotfish-peer-')));
    dirs.push(meshDir as string, otherDir as string);
    mesh = {
      server: await svid(meshDir as string, 'backend'),
      client: await svid(meshDir as string, 'frontend'),
      stranger: await svid(otherDir as string, 'frontend'),
    };
  });
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('is the SPIFFE ID of a client certificate the mesh CA signed', async () => {
    const { key, cert } = mesh.client;
    assert.equal(await identityOfClient(mesh.server, { key, cert }), 'spiffe://cluster.local/ns/shop/sa/frontend');
  });

  it('is undefined for a TLS client without a certificate', async () => {
    assert.equal(await identityOfClient(mesh.server, {}), undefined);
  });

  it('is undefined for a certificate of another root (TLS did not authorize it)', async () => {
    const { key, cert } = mesh.stranger;
    assert.equal(await identityOfClient(mesh.server, { key, cert }), undefined);
  });

  it('is undefined for a plaintext connection', async () => {
    const listener = createTcpServer();
    const seen = new Promise<string | undefined>((resolve) =>
      listener.once('connection', (socket: Socket) => {
        resolve(peerIdentity(socket));
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const socket = connectTcp((listener.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    assert.equal(await seen, undefined);
    socket.destroy();
    listener.close();
  });
});
