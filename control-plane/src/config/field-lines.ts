// Where each field of a YAML document is, as plain data (a map from field path to line), so a parsed
// document can cross from the parse worker to the main thread and still name the line of a field.
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

const SEPARATOR = '\u0000';

const pathKey = (path: ReadonlyArray<PropertyKey>) => path.map(String).join(SEPARATOR);

/** The line of every map key and list item in `document`, by field path. */
export function fieldLines(document: Document, lineAt: (offset: number) => number): Map<string, number> {
  const lines = new Map<string, number>();
  const walk = (node: unknown, path: string[]) => {
    const visit = (segment: string, at: Node | null | undefined, child: unknown) => {
      const inner = [...path, segment];
      const key = pathKey(inner);
      const offset = at?.range?.[0];
      // The first of duplicate keys is the one a lookup finds, as in the document's data.
      if (offset !== undefined && !lines.has(key)) lines.set(key, lineAt(offset));
      walk(child, inner);
    };
    if (isMap(node)) {
      for (const pair of node.items) if (isScalar(pair.key)) visit(String(pair.key.value), pair.key, pair.value);
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(String(index), item as Node, item));
    }
  };
  walk(document.contents, []);
  return lines;
}

/** The line of the deepest field on `path` that exists; the document's first line when none does. */
export function lineOfField(
  document: { line: number; lines: ReadonlyMap<string, number> },
  path: ReadonlyArray<PropertyKey>,
): number {
  for (let length = path.length; length > 0; length--) {
    const line = document.lines.get(pathKey(path.slice(0, length)));
    if (line !== undefined) return line;
  }
  return document.line;
}
