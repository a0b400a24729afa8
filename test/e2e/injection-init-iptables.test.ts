// `pilotfish init-iptables` for real, as root, in a network namespace the test creates: the rules it
// installs, one set after two runs, none after --cleanup, and an app's outbound call landing on 15001.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { check, run } from '../support/commands.js';
import { cliPath, startProcess, type RunningProcess } from '../support/processes.js';

function whyNotRunnable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return Promise.resolve('needs root (network namespaces and iptables)');
  return Promise.all([run('iptables-restore', ['--version']), run('ip', ['-V'])]).then(([iptables, ip]) =>
    iptables.code !== 0 ? 'iptables is not installed' : ip.code !== 0 ? 'iproute2 is not installed' : undefined,
  );
}

const skipReason = await whyNotRunnable();
if (skipReason) console.log(`# skipping init-iptables namespace tests: ${skipReason}`);

describe('pilotfish init-iptables in a network namespace', { skip: skipReason }, () => {
  const namespace = `pf-inject-${process.pid}`;
  const inNamespace = (command: string, ...args: string[]) =>
    check('ip', ['netns', 'exec', namespace, command, ...args]);
  const pilotfish = (...args: string[]) => inNamespace(process.execPath, cliPath, 'init-iptables', ...args);
  const ourRules = async (tool: 'iptables-save' | 'ip6tables-save') =>
    (await inNamespace(tool, '-t', 'nat')).split('\n').filter((line) => line.includes('PILOTFISH_'));
  let listener: RunningProcess | undefined;

  before(async () => {
    await check('ip', ['netns', 'add', namespace]);
    // A pod-like namespace: loopback and one interface with a default route, so outbound calls route
    // (a veth pair with both ends inside, so nothing is left outside the namespace).
    await check('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    await check('ip', ['-n', namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    await check('ip', ['-n', namespace, 'addr', 'add', '10.9.0.2/24', 'dev', 'eth0']);
    await check('ip', ['-n', namespace, 'link', 'set', 'eth0', 'up']);
    await check('ip', ['-n', namespace, 'route', 'add', 'default', 'via', '10.9.0.1']);
  });

  after(async () => {
    await listener?.stop();
    await run('ip', ['netns', 'del', namespace]);
  });

  it('installs the chains and jumps for IPv4 and IPv6, and a second run leaves one set', async () => {
    await pilotfish('--exclude-inbound-ports', '15000,15020');
    const once4 = await ourRules('iptables-save');
    const once6 = await ourRules('ip6tables-save');
    assert.ok(once4.includes('-A PREROUTING -p tcp -j PILOTFISH_INBOUND'), once4.join('\n'));
    assert.ok(once4.includes('-A OUTPUT -p tcp -j PILOTFISH_OUTPUT'), once4.join('\n'));
    assert.ok(once4.includes('-A PILOTFISH_REDIRECT -p tcp -j REDIRECT --to-ports 15001'), once4.join('\n'));
    assert.ok(once4.includes('-A PILOTFISH_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006'), once4.join('\n'));
    assert.ok(once4.includes('-A PILOTFISH_INBOUND -p tcp -m tcp --dport 15020 -j RETURN'), once4.join('\n'));
    assert.ok(once6.includes('-A PILOTFISH_OUTPUT -d ::1/128 -j RETURN'), once6.join('\n'));

    await pilotfish('--exclude-inbound-ports', '15000,15020');
    assert.deepEqual(await ourRules('iptables-save'), once4);
    assert.deepEqual(await ourRules('ip6tables-save'), once6);
  });

  it("redirects an app's outbound call to the sidecar's port 15001", async () => {
    const server = `require('net').createServer((s) => s.end('captured\\n')).listen(15001, () => console.log('listening'))`;
    listener = startProcess('ip', ['netns', 'exec', namespace, process.execPath, '-e', server]);
    if (!listener.output().includes('listening')) await once(listener.child.stdout!, 'data');
    // An ordinary uid calls an address that exists nowhere; only the redirect can answer.
    const client = `require('net').connect(8080, '10.9.0.77').on('data', (d) => process.stdout.write(d))`;
    const answer = await inNamespace(
      'setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '-e',
      client,
    );
    assert.equal(answer, 'captured\n');
  });

  it('--cleanup removes every chain and jump, and running it again is harmless', async () => {
    const output = await pilotfish('--cleanup');
    assert.match(output, /iptables: removed 4 chains, 2 jumps/);
    assert.deepEqual(await ourRules('iptables-save'), []);
    assert.deepEqual(await ourRules('ip6tables-save'), []);
    assert.match(await pilotfish('--cleanup'), /iptables: removed 0 chains, 0 jumps/);
  });

  it('--dry-run prints the rules and changes nothing', async () => {
    const output = await pilotfish('--dry-run');
    assert.match(output, /^# iptables-restore --noflush\n\*nat\n/);
    assert.match(output, /-A PILOTFISH_OUTPUT -m owner --uid-owner 1337 -j RETURN/);
    assert.deepEqual(await ourRules('iptables-save'), []);
  });
});
