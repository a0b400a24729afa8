// An error or note about one document of a config set, placed at a field of it (file, line,
// document, path), and where a document is, to name it in another's error.
import { formatPath, type ConfigError } from './config-error.js';
import type { SourcedDocument } from './config-documents.js';
import { lineOfField } from './field-lines.js';

export function errorAt(source: SourcedDocument, path: PropertyKey[], message: string): ConfigError {
  return {
    file: source.file,
    line: lineOfField(source, path),
    document: source.label,
    path: formatPath(path),
    message,
  };
}

/** `file:line`, or `line N` for a document without a file. */
export function whereIs(source: SourcedDocument): string {
  return `${source.file ?? 'line'}${source.file === undefined ? ' ' : ':'}${source.line}`;
}
