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
