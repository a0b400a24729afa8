import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { ControlPlanes, parseControlPlanes, type LookupAll } from './control-planes.js';

const logger = pino({ level: 'silent' });

function controlPlanes(value: string, { lookup, draws = [0] }: { lookup?: LookupAll; draws?: number[] } = {}) {
  return new ControlPlanes({
    entries: parseControlPlanes(value, '--control-plane'),
    lookup,
    random: () => draws.shift() ?? 0,
    logger,
  });
}

describe('parseControlPlanes', () => {
  it('takes one address or several, comma-separated, IPv6 in brackets', () => {
    assert.deepEqual(parseControlPlanes('cp-0:15010, 10.0.0.2:15011,[::1]:15012', '--control-plane'), [
      { host: 'cp-0', port: 15010 },
      { host: '10.0.0.2', port: 15011 },
      { host: '::1', port: 15012 },
    ]);
  });

  for (const [value, wrong] of [
    ['cp-0', 'cp-0'],
    ['cp-0:15010,', ''],
    [':15010', ':15010'],
    ['cp-0:0', 'cp-0:0'],
  ]) {
    it(`refuses "${value}", naming the option and the entry`, () => {
      assert.throws(() => parseControlPlanes(value as string, '--control-plane'), {
        message: new RegExp(`^--control-plane: "${wrong}"`),
      });
    });
  }
});

describe('ControlPlanes', () => {
  it('starts on a replica picked at random, then moves to the next one in order on each failure', async () => {
    const replicas = controlPlanes('127.0.0.1:1,127.0.0.1:2,127.0.0.1:3', { draws: [0.5] });
    assert.equal(replicas.current, undefined);
    const picked = [await replicas.pick('next')];
    for (let i = 0; i < 3; i++) picked.push(await replicas.pick('next'));
    assert.deepEqual(picked, ['127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:1', '127.0.0.1:2']);
    assert.equal(replicas.current, '127.0.0.1:2');
  });

  it('picks afresh at random when asked to rebalance', async () => {
    const replicas = controlPlanes('127.0.0.1:1,127.0.0.1:2,127.0.0.1:3', { draws: [0, 0.99, 0.4] });
    assert.deepEqual(
      [await replicas.pick('random'), await replicas.pick('random'), await replicas.pick('random')],
      ['127.0.0.1:1', '127.0.0.1:3', '127.0.0.1:2'],
    );
  });

  it('counts every address a name resolves to as a replica, and resolves again when the list wraps', async () => {
    const answers = [['10.0.0.1', '10.0.0.2'], ['10.0.0.3']];
    const looked: string[] = [];
    const replicas = controlPlanes('control-plane.mesh:15010', {
      lookup: (host) => {
        looked.push(host);
        return Promise.resolve(answers.shift() ?? []);
      },
    });
    const picked = [await replicas.pick('next'), await replicas.pick('next'), await replicas.pick('next')];
    assert.deepEqual(picked, ['10.0.0.1:15010', '10.0.0.2:15010', '10.0.0.3:15010']);
    assert.deepEqual(looked, ['control-plane.mesh', 'control-plane.mesh']);
  });

  it('keeps the name an address was resolved from as the TLS server name and the authority', async () => {
    const replicas = controlPlanes('cp.mesh:15010,10.0.0.7:15010', {
      lookup: () => Promise.resolve(['10.0.0.1']),
      draws: [0],
    });
    assert.equal(await replicas.pick('random'), '10.0.0.1:15010');
    assert.deepEqual(replicas.channelOptionsFor('10.0.0.1:15010'), {
      'grpc.ssl_target_name_override': 'cp.mesh',
      'grpc.default_authority': 'cp.mesh:15010',
    });
    // Never an IP address as TLS server name (DEP0123): its reverse-DNS name, checked as the address.
    assert.deepEqual(replicas.channelOptionsFor('10.0.0.7:15010'), {
      'grpc.ssl_target_name_override': '7.0.0.10.in-addr.arpa',
    });
  });

  it('skips a name that does not resolve, and says which entries failed when none does', async () => {
    const failing: LookupAll = (host) =>
      host === 'gone.mesh' ? Promise.reject(new Error('ENOTFOUND')) : Promise.resolve(['10.0.0.9']);
    assert.equal(await controlPlanes('gone.mesh:1,here.mesh:2', { lookup: failing }).pick('next'), '10.0.0.9:2');
    await assert.rejects(controlPlanes('gone.mesh:1', { lookup: failing }).pick('next'), {
      message: 'no control plane address resolves (gone.mesh:1)',
    });
  });

  it('tells its followers each time another replica is picked, and only then', async () => {
    const replicas = controlPlanes('127.0.0.1:1', { draws: [0, 0] });
    const chosen = replicas.chosen();
    const changes: string[] = [];
    replicas.onChange((address) => changes.push(address));
    await replicas.pick('random');
    await replicas.pick('random');
    await replicas.pick('next');
    assert.equal(await chosen, '127.0.0.1:1');
    assert.deepEqual(changes, ['127.0.0.1:1']);
  });
});
