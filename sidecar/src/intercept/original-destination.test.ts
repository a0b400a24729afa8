import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { loadOriginalDestinationReader } from './original-destination.js';

describe('original destination', () => {
  it('is built at install here, and finds none for a connection nothing redirected', async () => {
    const read = loadOriginalDestinationReader();
    assert.ok(!(read instanceof Error), read instanceof Error ? read.message : '');
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    const [accepted] = (await once(server, 'connection')) as [Socket];
    assert.equal(read(accepted), undefined);
    client.destroy();
    accepted.destroy();
    server.close();
  });
});
