// The app's own probes, as injection moved them into PILOTFISH_APP_PROBES (JSON: path → http, tcp or
// grpc probe), parsed once at start. Its own module: zod is loaded only by a sidecar given probes.
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const appProbe = z.union([
  z.object({
    timeoutSeconds: z.number().positive(),
    httpGet: z.object({
      path: z.string(),
      port,
      scheme: z.enum(['HTTP', 'HTTPS']),
      host: z.string().optional(),
      httpHeaders: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    }),
  }),
  z.object({ timeoutSeconds: z.number().positive(), tcpSocket: z.object({ port, host: z.string().optional() }) }),
  z.object({ timeoutSeconds: z.number().positive(), grpc: z.object({ port, service: z.string().optional() }) }),
]);

export type AppProbe = z.infer<typeof appProbe>;

/** Parses the env value; throws naming the variable, the path and the field that is wrong. */
export function parseAppProbes(json: string | undefined, variable = 'PILOTFISH_APP_PROBES'): Map<string, AppProbe> {
  if (json === undefined || json.trim() === '') return new Map();
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${variable} is not JSON`, { cause: error });
  }
  const parsed = z.record(z.string().regex(/^\/app-health\//), appProbe).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${variable}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return new Map(Object.entries(parsed.data));
}
