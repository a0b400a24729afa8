import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostRegistry } from './host-registry.js';

describe('upstream host registry', () => {
  it('gives one host, and so one connection pool, per address:port', async () => {
    const hosts = new HostRegistry();
    const first = hosts.get('127.0.0.1', 8080, 1000);
    assert.equal(hosts.get('127.0.0.1', 8080, 1000), first);
    assert.notEqual(hosts.get('127.0.0.1', 8081, 1000), first);
    assert.equal(hosts.get('::1', 80, 1000).key, '[::1]:80');
    await hosts.closeAll();
  });

  it('closes the pools of hosts no config uses any more and keeps the others', async () => {
    const hosts = new HostRegistry();
    const kept = hosts.get('127.0.0.1', 8080, 1000);
    const gone = hosts.get('127.0.0.1', 8081, 1000);
    const [keptPool, gonePool] = [kept.dispatcher, gone.dispatcher];
    hosts.retain(new Set([kept]));
    assert.equal(hosts.has(kept), true);
    assert.equal(hosts.has(gone), false);
    assert.equal(gonePool.closed, true);
    assert.equal(keptPool.closed, false);
    assert.notEqual(hosts.get('127.0.0.1', 8081, 1000), gone, 'an endpoint that comes back gets a new pool');
    await hosts.closeAll();
  });

  it('refuses requests on a host closed before it ever sent one', async () => {
    const hosts = new HostRegistry();
    const unused = hosts.get('127.0.0.1', 8082, 1000);
    hosts.retain(new Set());
    assert.equal(unused.dispatcher.closed, true);
    await hosts.closeAll();
  });
});
