// Parses config files in a worker thread: YAML parsing and schema checks of a large file take
// seconds on a busy machine, and the control plane's event loop must keep serving ADS, leases and
// /ready meanwhile. A worker that dies (out of memory) fails its parses and is replaced.
import { Worker } from 'node:worker_threads';
import type { ConfigFile, ParsedConfigFile } from './config-documents.js';
import type { ParseRequest } from './config-parse-worker.js';

/** Heap for the worker: far more than 1 MiB files need; a runaway parse ends the worker, not the process. */
const WORKER_HEAP_MB = 512;

export class ConfigParser {
  #worker: Worker | undefined;
  #nextId = 0;
  #pending = new Map<number, { resolve(parsed: ParsedConfigFile[]): void; reject(error: Error): void }>();

  /** The files, each with its parse result attached. */
  async parse(files: readonly ConfigFile[]): Promise<ConfigFile[]> {
    const unparsed = files.filter((file) => file.parsed === undefined);
    if (unparsed.length === 0) return [...files];
    const id = this.#nextId++;
    const parsed = await new Promise<ParsedConfigFile[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: ParseRequest = { id, files: unparsed.map(({ name, text, problem }) => ({ name, text, problem })) };
      this.#ensureWorker().postMessage(request);
    });
    const byFile = new Map(unparsed.map((file, index) => [file, parsed[index]]));
    return files.map((file) => (byFile.has(file) ? { ...file, parsed: byFile.get(file) } : file));
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(new URL('./config-parse-worker.js', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.unref();
    worker.on('message', ({ id, parsed }: { id: number; parsed: ParsedConfigFile[] }) => {
      this.#pending.get(id)?.resolve(parsed);
      this.#pending.delete(id);
    });
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    };
    worker.on('error', (error) => fail(new Error('the config parse worker failed', { cause: error })));
    worker.on('exit', (code) => fail(new Error(`the config parse worker exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}
