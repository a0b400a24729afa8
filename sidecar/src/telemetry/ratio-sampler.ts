// The root sampler of the sidecar's parent-based sampling: a trace id ratio that the mesh's config
// can change while the sidecar runs (MeshConfig's tracing sampling). Requests whose caller already
// decided follow the caller; only new traces are sampled by this ratio.
import type { Context } from '@opentelemetry/api';
import { TraceIdRatioBasedSampler, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';

export class RatioSampler implements Sampler {
  #ratio: number;
  #sampler: TraceIdRatioBasedSampler;

  constructor(ratio: number) {
    this.#ratio = checkedRatio(ratio);
    this.#sampler = new TraceIdRatioBasedSampler(this.#ratio);
  }

  get ratio(): number {
    return this.#ratio;
  }

  /** Takes effect for the traces that start after it. */
  setRatio(ratio: number): void {
    this.#ratio = checkedRatio(ratio);
    this.#sampler = new TraceIdRatioBasedSampler(this.#ratio);
  }

  shouldSample(context: Context, traceId: string): SamplingResult {
    return this.#sampler.shouldSample(context, traceId);
  }

  toString(): string {
    return `RatioSampler{${this.#ratio}}`;
  }
}

function checkedRatio(ratio: number): number {
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw new RangeError(`sampling ratio ${ratio} is outside 0..1 (a percentage of 100 is the ratio 1)`);
  return ratio;
}
