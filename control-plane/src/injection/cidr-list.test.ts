import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidrs } from './cidr-list.js';

describe('CIDR lists', () => {
  it('refuses a CIDR that is not one, naming the option and the entry', () => {
    assert.deepEqual(parseCidrs('10.0.0.0/8, 192.168.1.1,fd00::/8', '--x'), [
      '10.0.0.0/8',
      '192.168.1.1/32',
      'fd00::/8',
    ]);
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/x'])
      assert.throws(() => parseCidrs(bad, '--exclude-outbound-cidrs'), {
        message: `--exclude-outbound-cidrs: "${bad}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`,
      });
  });
});
