// The last lines of a child's log, for error messages: the components log pino JSON, which is
// shortened to level, message and error so a failure reads at a glance in the terminal.
import { readFileSync } from 'node:fs';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function logTail(file: string, count = 8): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return `  (cannot read ${file}: ${(error as Error).message})`;
  }
  const lines = text.trimEnd().split('\n').filter(Boolean).slice(-count);
  return lines.length === 0 ? '  (the log is empty)' : lines.map((line) => `  ${readable(line)}`).join('\n');
}

function readable(line: string): string {
  let record: { level?: number; msg?: unknown; message?: unknown; err?: { message?: unknown } };
  try {
    record = (JSON.parse(line) ?? {}) as typeof record;
  } catch {
    return line;
  }
  if (typeof record.msg !== 'string') return line;
  const detail = record.err?.message ?? record.message;
  return `${LEVELS[record.level ?? 30] ?? record.level} ${record.msg}${typeof detail === 'string' ? `: ${detail}` : ''}`;
}
