import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../../../test/support/processes.js';
import { createAccessLog } from './access-log.js';
import { attachExchange, type AccessLogFormat, type FinishedRequest } from './exchange.js';

const request: FinishedRequest = {
  res: {} as ServerResponse,
  exchange: attachExchange({} as ServerResponse, 0),
  durationMs: 1,
};
const HOUR_MS = 3_600_000;

describe('access log output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-access-log-'));
  const fds: number[] = [];
  after(() => {
    for (const fd of fds) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  function output(name: string): { fd: number; read: () => string } {
    const path = join(dir, name);
    const fd = openSync(path, 'w');
    fds.push(fd);
    return { fd, read: () => readFileSync(path, 'utf8') };
  }
  const numbered = (): AccessLogFormat => {
    let count = 0;
    return { line: () => `{"n":${++count}}\n` };
  };

  it('writes every line, in order, by the time flush() resolves', async () => {
    const { fd, read } = output('ordered');
    const log = createAccessLog({ fd, flushMs: HOUR_MS, writeAtBytes: 64 });
    const format = numbered();
    // Past writeAtBytes while a write is in flight: some lines wait for it, the rest for flush().
    for (let index = 0; index < 50; index++) log.write(format, request);
    await log.flush();
    const expected = Array.from({ length: 50 }, (_, index) => `{"n":${index + 1}}\n`).join('');
    assert.equal(read(), expected);
    assert.equal(log.dropped, 0);
  });

  it('writes buffered lines when the flush timer fires, without flush()', async () => {
    const { fd, read } = output('timed');
    const log = createAccessLog({ fd, flushMs: 10 });
    log.write(numbered(), request);
    await waitFor(() => read() === '{"n":1}\n', 'the line to be written by the timer');
  });

  it('drops and counts lines past the buffer bound, keeping the ones before', async () => {
    const { fd, read } = output('bounded');
    const log = createAccessLog({ fd, flushMs: HOUR_MS, maxBufferBytes: 24 });
    const format = numbered();
    for (let index = 0; index < 5; index++) log.write(format, request);
    assert.equal(log.dropped, 2);
    await log.flush();
    assert.equal(read(), '{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('counts the lines of a write the output refuses as dropped', async () => {
    const { fd } = output('closed');
    const log = createAccessLog({ fd, flushMs: HOUR_MS });
    closeSync(fds.pop() as number);
    log.write(numbered(), request);
    log.write(numbered(), request);
    await log.flush();
    assert.equal(log.dropped, 2);
  });
});
