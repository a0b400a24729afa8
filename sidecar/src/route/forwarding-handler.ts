// A handler that passes every event up unchanged (undici's DecoratorHandler): a layer that wraps
// the handler above overrides only the events it acts on.
import type { Dispatcher } from 'undici';
import type { ExchangeHandler } from '../cluster/cluster-request.js';

type Headers = Record<string, string | string[] | undefined>;

export class ForwardingHandler implements ExchangeHandler {
  constructor(readonly handler: ExchangeHandler) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart(controller, context);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Headers,
    statusMessage?: string,
  ): void {
    this.handler.onResponseStart(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Headers): void {
    this.handler.onResponseEnd(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.handler.onResponseError(controller, error);
  }
}
