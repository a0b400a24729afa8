// Config documents an attacker or a careless user would write, for tests of the config sources.

/**
 * A ServiceConfig whose `spec.parameters` nests aliases `levels` deep, ten to a level (the "billion
 * laughs" shape): ten levels would expand to 10^10 strings.
 */
export function aliasBomb(name = 'ratings', levels = 10): string {
  const lines = Array.from({ length: levels }, (_, level) =>
    level === 0
      ? `    a0: &a0 [${Array<string>(10).fill('lol').join(', ')}]`
      : `    a${level}: &a${level} [${Array<string>(10)
          .fill(`*a${level - 1}`)
          .join(', ')}]`,
  );
  return `apiVersion: pilotfish.dev/v1
kind: ServiceConfig
metadata:
  name: ${name}
spec:
  service: ${name}
  parameters:
${lines.join('\n')}
`;
}

/**
 * A valid file of about `bytes` bytes: a Service and its ServiceConfig with that many parameters,
 * slow to parse (seconds on a busy machine) yet under the 1 MiB file limit.
 */
export function largeConfig(service: string, bytes: number): string {
  const head = `apiVersion: pilotfish.dev/v1
kind: Service
metadata: { name: ${service} }
spec: {}
---
apiVersion: pilotfish.dev/v1
kind: ServiceConfig
metadata: { name: ${service} }
spec:
  service: ${service}
  parameters:
`;
  const lines: string[] = [];
  let size = head.length;
  for (let index = 0; size < bytes; index++) {
    const line = `    key${index}: { text: "value ${index}", list: [${index}, ${index + 1}] }`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${head}${lines.join('\n')}\n`;
}
