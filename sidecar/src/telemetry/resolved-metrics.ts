// Counters and histograms whose labelled children are resolved once per label set and then updated
// with plain arithmetic. prom-client's own children hash their labels again on every inc() and
// observe(), which the request path paid four times per request (the Istio metrics). These are
// registered in the sidecar's prom-client Registry, which formats them with every other metric,
// in prom-client's own layout.
import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface ExportedValue {
  value: number;
  labels: Record<string, string>;
  sharedLabels?: Labels;
  metricName?: string;
}

interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: ExportedValue[];
}

abstract class ResolvedFamily<Child> {
  readonly aggregator = 'sum';
  readonly #children: Array<readonly [Labels, Child]> = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** A new child for `labels`: the caller keeps it, and asks once per label set. */
  child(labels: Labels): Child {
    const child = this.create();
    this.#children.push([labels, child]);
    return child;
  }

  get(): Promise<Exported> {
    const values: ExportedValue[] = [];
    for (const [labels, child] of this.#children) this.export(labels, child, values);
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: 'sum', values });
  }

  protected abstract create(): Child;
  protected abstract export(labels: Labels, child: Child, into: ExportedValue[]): void;
}

export class CounterChild {
  value = 0;

  inc(): void {
    this.value++;
  }
}

export class ResolvedCounter extends ResolvedFamily<CounterChild> {
  constructor(name: string, help: string, registry: Registry) {
    super(name, help, 'counter', registry);
  }

  protected create(): CounterChild {
    return new CounterChild();
  }

  protected export(labels: Labels, child: CounterChild, into: ExportedValue[]): void {
    into.push({ value: child.value, labels: { ...labels } });
  }
}

export class HistogramChild {
  /** Observations per bucket (not cumulative); the last one counts those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly upperBounds: readonly number[]) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.upperBounds;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    (this.counts[index] as number)++;
    this.sum += value;
    this.count++;
  }
}

export class ResolvedHistogram extends ResolvedFamily<HistogramChild> {
  constructor(
    name: string,
    help: string,
    readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, 'histogram', registry);
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.upperBounds);
  }

  protected export(labels: Labels, child: HistogramChild, into: ExportedValue[]): void {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    for (const [index, bound] of this.upperBounds.entries()) {
      cumulative += child.counts[index] as number;
      into.push({ value: cumulative, labels: { le: String(bound) }, sharedLabels: labels, metricName: bucket });
    }
    into.push(
      { value: child.count, labels: { le: '+Inf' }, sharedLabels: labels, metricName: bucket },
      { value: child.sum, labels: {}, sharedLabels: labels, metricName: `${this.name}_sum` },
      { value: child.count, labels: {}, sharedLabels: labels, metricName: `${this.name}_count` },
    );
  }
}
