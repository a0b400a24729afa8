// The parse worker's thread: parses and validates config files, off the control plane's event loop,
// and posts back the documents as plain data.
import { parentPort } from 'node:worker_threads';
import { parseConfigFile, type ConfigFile } from './config-documents.js';

export interface ParseRequest {
  id: number;
  files: ConfigFile[];
}

parentPort?.on('message', ({ id, files }: ParseRequest) => {
  parentPort?.postMessage({ id, parsed: files.map(parseConfigFile) });
});
