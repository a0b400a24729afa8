// Open-loop load generator, run as its own process so its CPU is not the proxy's: requests leave
// on a fixed schedule whatever the responses do (a slow target does not slow the arrivals), after
// a warm-up that is not recorded. A timer, not a busy loop, paces the sends: on a 2-core machine a
// spinning generator would steal the CPU it is measuring. Latency counts from each request's send.
// Prints one JSON line: latencies in microseconds, sorted.
// Usage: node open-loop-worker.js ADDRESS HOST RATE SECONDS WARMUP_SECONDS
import { Pool } from 'undici';

const [address = '', host = '', rateArg = '1000', secondsArg = '5', warmupArg = '1'] = process.argv.slice(2);
const rate = Number(rateArg);
const warmup = Math.round(rate * Number(warmupArg));
const measured = Math.round(rate * Number(secondsArg));
const total = warmup + measured;
const pool = new Pool(`http://${address}`, { connections: 64 });
const latencies = new Float64Array(measured);
let errors = 0;
let done = 0;
const intervalMs = 1000 / rate;
const start = performance.now();
let measureStart = 0;

function send(index: number): void {
  const sentAt = performance.now();
  if (index === warmup) measureStart = sentAt;
  pool
    .request({ method: 'GET', path: '/', headers: { host } })
    .then(async (response) => {
      await response.body.dump();
      if (response.statusCode !== 200 && index >= warmup) errors++;
    })
    .catch(() => {
      if (index >= warmup) errors++;
    })
    .finally(() => {
      if (index >= warmup) latencies[index - warmup] = (performance.now() - sentAt) * 1000;
      if (++done === total) finish();
    });
}

let next = 0;
function tick(): void {
  const now = performance.now();
  while (next < total && start + next * intervalMs <= now) send(next++);
  if (next < total) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
}

function finish(): void {
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const elapsedS = (performance.now() - measureStart) / 1000;
  process.stdout.write(`${JSON.stringify({ requests: measured, errors, elapsedS, latenciesUs: sorted })}\n`);
  void pool.close();
}

tick();
