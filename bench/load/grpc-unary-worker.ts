// gRPC unary load generator (grpc-js), run as its own process so its CPU is not the proxy's: a
// fixed number of calls in flight on one channel (HTTP/2 multiplexed, as gRPC clients run) for a
// fixed time, after a warm-up that is not recorded. Prints one JSON line: latencies in
// microseconds, sorted. Usage: node grpc-unary-worker.js ADDRESS AUTHORITY CONCURRENCY SECONDS WARMUP_SECONDS
import { echoCall, kindsClient } from '../../test/support/grpc-test-service.js';

const [address = '', authority = '', concurrencyArg = '16', secondsArg = '5', warmupArg = '1'] = process.argv.slice(2);
const client = kindsClient(address, authority);
const latencies: number[] = [];
let errors = 0;
const started = performance.now();
const measureFrom = started + Number(warmupArg) * 1000;
const endAt = measureFrom + Number(secondsArg) * 1000;

async function loop(): Promise<void> {
  for (let now = performance.now(); now < endAt; now = performance.now()) {
    const isMeasured = now >= measureFrom;
    try {
      await echoCall(client, { text: 'bench' });
      if (isMeasured) latencies.push((performance.now() - now) * 1000);
    } catch {
      if (isMeasured) errors++;
    }
  }
}

await Promise.all(Array.from({ length: Number(concurrencyArg) }, loop));
client.close();
latencies.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ calls: latencies.length, errors, elapsedS: Number(secondsArg), latenciesUs: latencies })}\n`,
);
