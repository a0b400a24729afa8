import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigFile } from './config-documents.js';

const route = (rules: string) => `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
${rules}`;

describe('duplicate keys in a config file', () => {
  it('refuses a document with a key twice in one map, naming the line of the second', () => {
    const { documents, errors } = parseConfigFile({
      name: 'routes.yaml',
      text: route('    - destinations: [{ service: reviews }]\n      timeout: 2s\n      timeout: 5s\n'),
    });
    assert.deepEqual(documents, []);
    assert.deepEqual(errors, [{ file: 'routes.yaml', line: 9, message: 'not valid YAML: Map keys must be unique' }]);
  });

  it('finds a key repeated in a flow map, and keeps the other documents of the file', () => {
    const { documents, errors } = parseConfigFile({
      name: 'both.yaml',
      text: `${route('    - destinations: [{ service: reviews, service: ratings }]\n')}---\n${route('    - destinations: [{ service: reviews }]\n')}`,
    });
    assert.equal(documents.length, 1);
    assert.deepEqual(errors, [{ file: 'both.yaml', line: 7, message: 'not valid YAML: Map keys must be unique' }]);
  });

  it('accepts the same key in different maps, and keys that differ only in type', () => {
    const { errors } = parseConfigFile({
      name: 'ok.yaml',
      text: route(
        '    - destinations: [{ service: reviews, weight: 50 }, { service: ratings, weight: 50 }]\n      match: [{ headers: { "1": { exact: a }, 1: { exact: b } } }]\n',
      ),
    });
    assert.deepEqual(errors, []);
  });
});
