// Why an exchange with a cluster failed, as the layer that saw it says: the answer the caller gets
// (status, Envoy's response flag, a message naming what and where), and for the retry policy, the
// kind of failure when the attempt got no response at all.
import type { OutgoingHttpHeaders } from 'node:http';
import type { ResponseFlag } from './response-flag.js';
import type { AttemptFailure } from './retry-policy.js';

export class UpstreamFailure extends Error {
  constructor(
    readonly status: number,
    readonly flag: ResponseFlag,
    message: string,
    /** undefined: a failure no retry policy retries (a route timeout, no endpoint, a bad request). */
    readonly failure: AttemptFailure | undefined,
    /** Headers of the answer (x-envoy-overloaded). */
    readonly headers?: OutgoingHttpHeaders,
  ) {
    super(message);
  }
}
