// Steady, bounded load for chaos tests: requests at a fixed rate through a sidecar's outbound port,
// each failure counted with its reason; nothing is timed, a test asserts the failures are none.
import { httpRequest } from './http.js';
import { waitFor } from './processes.js';

export interface LoadOptions {
  /** The sidecar outbound address (host:port) the requests go through. */
  address: string;
  /** The Host header: the service the requests are for. */
  host: string;
  /** Requests per second, all workers together; a loaded machine sends fewer, never more. */
  ratePerSecond?: number;
  /** Requests in flight at most. */
  workers?: number;
  /** A bound: the load stops by itself after this many requests. */
  maxRequests?: number;
}

export interface LoadResult {
  answered: number;
  /** One line per failed request: its status and body, or the client's error. */
  failures: string[];
  /** Answers by the app that served them (the x-served-by header). */
  servedBy: Map<string, number>;
}

export interface Load {
  /** Answers so far. */
  answered(): number;
  /** Waits until `count` more requests have been answered than when it was called. */
  answersMore(count: number, what: string): Promise<void>;
  stop(): Promise<LoadResult>;
}

export function startLoad({
  address,
  host,
  ratePerSecond = 150,
  workers = 8,
  maxRequests = 20_000,
}: LoadOptions): Load {
  const result: LoadResult = { answered: 0, failures: [], servedBy: new Map() };
  let sent = 0;
  let isSending = true;
  const intervalMs = (1000 * workers) / ratePerSecond;
  const worker = async (offsetMs: number) => {
    let due = Date.now() + offsetMs;
    while (isSending && sent < maxRequests) {
      sent++;
      try {
        const answer = await httpRequest(address, '/', { headers: { host } });
        if (answer.status !== 200) result.failures.push(`${answer.status} ${answer.body}`);
        else {
          result.answered++;
          const name = String(answer.headers['x-served-by']);
          result.servedBy.set(name, (result.servedBy.get(name) ?? 0) + 1);
        }
      } catch (error) {
        result.failures.push(String(error));
      }
      // Pacing, not waiting for a condition: each worker keeps its share of the rate.
      due += intervalMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else due = Date.now();
    }
  };
  const running = Array.from({ length: workers }, (_, index) => worker((index * intervalMs) / workers));
  return {
    answered: () => result.answered,
    async answersMore(count, what) {
      const target = result.answered + count;
      await waitFor(() => result.answered >= target, `${count} more answers ${what}`, 30_000);
    },
    async stop() {
      isSending = false;
      await Promise.all(running);
      return result;
    },
  };
}

/** The load the mutual TLS rotation tests run under: about 500 req/s (issue 15), 16 in flight. */
export const ROTATION_LOAD = { ratePerSecond: 500, workers: 16 } as const;
