import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ReplayableBody } from './replayable-body.js';

async function nextChunk(reader: Readable): Promise<string> {
  const [chunk] = (await once(reader, 'data')) as [Buffer];
  return chunk.toString();
}

async function readAll(reader: Readable): Promise<string> {
  let text = '';
  for await (const chunk of reader) text += (chunk as Buffer).toString();
  return text;
}

describe('replayable body', () => {
  it('streams to the attempt as the body arrives, before the caller has sent all of it', async () => {
    const source = new PassThrough();
    const reader = new ReplayableBody(source).open();
    source.write('ping');
    assert.equal(await nextChunk(reader), 'ping');
    source.end('pong');
    assert.equal(await nextChunk(reader), 'pong');
  });

  it('gives a retry what arrived so far, then the rest as it comes', async () => {
    const source = new PassThrough();
    const body = new ReplayableBody(source);
    const first = body.open();
    source.write('one,');
    assert.equal(await nextChunk(first), 'one,');
    const retry = body.open();
    assert.ok(first.destroyed, 'the attempt given up no longer reads the body');
    source.end('two');
    assert.equal(await readAll(retry), 'one,two');
    assert.equal(body.isReplayable, true);
    assert.equal(await readAll(body.open()), 'one,two', 'a second retry gets it all again');
  });

  it('cannot be replayed once the body outgrew the limit, and still streams on', async () => {
    const source = new PassThrough();
    const body = new ReplayableBody(source, 4);
    const reader = body.open();
    source.end('too long');
    assert.equal(await readAll(reader), 'too long');
    assert.equal(body.isReplayable, false);
  });

  it('cannot be replayed once the caller failed mid-body', async () => {
    const source = new PassThrough();
    const body = new ReplayableBody(source);
    const reader = body.open();
    source.destroy(new Error('caller went away'));
    await assert.rejects(readAll(reader), /caller went away/);
    assert.equal(body.isReplayable, false);
  });
});
