// Where the package and our .proto files live (the processes load descriptors from proto/gen instead;
// the tests' OTLP receiver reads proto/otlp).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file runs from dist/proto/). */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url));

export const pilotfishProtoDir = join(packageRoot, 'proto');
