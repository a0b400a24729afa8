// undici's connection pool alone: its package entry loads fetch, WebSocket, caches and mocks too,
// about 3 MB of heap and 0.1 s of CPU in every sidecar's start for what no sidecar uses. The
// package has no exports map, and package.json pins its version: the path stays where it is.
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';

export const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
