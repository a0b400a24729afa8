import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { attachRecord, countRequestBytes, recordOf, RequestRecord } from './request-record.js';

describe('RequestRecord', () => {
  let server: Server;
  let port: number;
  const records: RequestRecord[] = [];

  before(async () => {
    server = createServer((req, res) => {
      // The listener's part: a record per response, which the layers below find there.
      attachRecord(res, new RequestRecord(performance.now()));
      const record = recordOf(res) as RequestRecord;
      records.push(record);
      countRequestBytes(req, record);
      // The body is read by a consumer that comes later, as undici comes to a request it sends on.
      setImmediate(() => {
        let read = 0;
        req.on('data', (chunk: Buffer) => (read += chunk.length));
        req.on('end', () => res.end(String(read)));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(() => server.close());

  async function post(body: string[], headers: Record<string, string> = {}): Promise<string> {
    const req = request({ port, host: '127.0.0.1', method: 'POST', headers });
    for (const chunk of body) req.write(chunk);
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    let answer = '';
    for await (const chunk of res) answer += String(chunk);
    return answer;
  }

  it('counts a body of no declared length as its consumer reads it', async () => {
    const read = await post(['first chunk, ', 'second chunk']);
    const record = records.at(-1) as RequestRecord;
    assert.equal(read, '25');
    assert.equal(record.requestBytes, 25);
  });

  it('leaves a body of declared length to its content-length', async () => {
    await post(['abcd'], { 'content-length': '4' });
    assert.equal((records.at(-1) as RequestRecord).requestBytes, 0);
  });

  it('keeps what the layers tell it, the last attempt and the bytes relayed summed', () => {
    const record = new RequestRecord(0);
    record.routed('outbound|80||reviews.default.svc.cluster.local');
    record.attempted('10.0.0.1:9080', 1);
    record.attempted('10.0.0.2:9080', 2);
    record.relayed(100);
    record.relayed(24);
    record.endedWithGrpcStatus('14');
    assert.deepEqual(
      {
        cluster: record.cluster,
        upstreamHost: record.upstreamHost,
        attempts: record.attempts,
        responseBytes: record.responseBytes,
        grpcStatus: record.grpcStatus,
        flag: record.flag,
      },
      {
        cluster: 'outbound|80||reviews.default.svc.cluster.local',
        upstreamHost: '10.0.0.2:9080',
        attempts: 2,
        responseBytes: 124,
        grpcStatus: '14',
        flag: '-',
      },
    );
    record.answeredLocally('UT');
    assert.equal(record.flag, 'UT');
  });
});
