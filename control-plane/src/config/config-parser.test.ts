import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { largeConfig } from '../../../test/support/hostile-config.js';
import { parseConfigFile } from './config-documents.js';
import { ConfigParser } from './config-parser.js';

describe('config parser', () => {
  const parser = new ConfigParser();

  after(async () => {
    await parser.close();
  });

  it('parses a large file while the event loop keeps turning, with the same result as parsing here', async () => {
    const file = { name: 'large.yaml', text: largeConfig('reviews', 900 * 1024) };
    let settled = false;
    const parsing = parser.parse([file]).finally(() => {
      settled = true;
    });
    let turns = 0;
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    // Parsing on this thread would block it: no turn at all until the parse ended.
    assert.ok(turns > 1, `the event loop turned ${turns} times during the parse`);
    const [parsed] = await parsing;
    assert.equal(parsed?.parsed?.errors.length, 0);
    assert.deepEqual(parsed?.parsed, parseConfigFile(file));
  });

  it('keeps the parse of a file parsed already, and names a bad file in its errors', async () => {
    const good = { name: 'good.yaml', text: largeConfig('ratings', 1024) };
    const [parsedGood] = await parser.parse([good]);
    const [again, bad] = await parser.parse([parsedGood as typeof good, { name: 'bad.yaml', text: 'kind: [' }]);
    assert.equal(again, parsedGood);
    assert.equal(bad?.parsed?.errors[0]?.file, 'bad.yaml');
  });
});
