// client-node's ListWatch checks that it was stopped only before it lists: a stop() that lands while
// a list or a watch request is in flight leaves a watch open afterwards, holding a connection to the
// API server for good. This Watch opens no watch once stopped and aborts one that answers after.
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export class StoppableWatch extends Watch {
  #isStopped = false;

  constructor(kubeConfig: KubeConfig) {
    super(kubeConfig);
  }

  /** From now on no watch stays open: one in flight is aborted when it answers, none is started. */
  stop(): void {
    this.#isStopped = true;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.#isStopped) return aborted();
    const controller = await super.watch(path, queryParams, callback, done);
    if (this.#isStopped) controller.abort();
    return controller;
  }
}

function aborted(): AbortController {
  const controller = new AbortController();
  controller.abort();
  return controller;
}
