import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigChangeError } from './config-change.js';
import { ConfigStore } from './config-store.js';

const ROUTE = `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: reviews }
spec:
  host: reviews
  rules:
    - destinations: [{ service: reviews }]
      timeout: 2s
`;
const options = { isRegistered: (fqdn: string) => fqdn === 'reviews.default.svc.cluster.local' };

describe('config store', () => {
  it('puts a valid set in force, bumps the version and tells its listeners', async () => {
    const store = new ConfigStore();
    let told = 0;
    store.onChange(() => told++);
    assert.equal((await store.apply([{ name: 'r.yaml', text: ROUTE }], options)).ok, true);
    assert.equal(store.version, 1);
    assert.equal(store.config.routes[0]?.spec.rules[0]?.timeout, 2000);
    assert.equal(told, 1);
  });

  it('keeps the last good config when a change is rejected, and records why', async () => {
    const store = new ConfigStore();
    await store.apply([{ name: 'r.yaml', text: ROUTE }], options);
    const result = await store.apply(
      [
        { name: 'r.yaml', text: ROUTE },
        { name: 'bad.yaml', text: ROUTE.replace('name: reviews', 'name: other').replace('2s', 'soon') },
      ],
      options,
    );
    assert.equal(result.ok, false);
    assert.equal(store.version, 1);
    assert.equal(store.config.routes.length, 1);
    assert.match(
      store.rejection?.messages[0] ?? '',
      /^bad\.yaml:8: Route "other": spec\.rules\[0\]\.timeout: "soon" is not a duration/,
    );
    assert.deepEqual((store.view() as { lastRejection: unknown }).lastRejection, store.rejection);
  });

  it('does not count an unchanged set as a new version', async () => {
    const store = new ConfigStore();
    await store.apply([{ name: 'r.yaml', text: ROUTE }], options);
    await store.apply([{ name: 'r.yaml', text: `# a comment\n${ROUTE}` }], options);
    assert.equal(store.version, 1);
    await store.apply([], options);
    assert.equal(store.version, 2);
    assert.equal(store.config.routes.length, 0);
  });
});

const POLICY = `apiVersion: pilotfish.dev/v1
kind: DestinationPolicy
metadata: { name: reviews }
spec:
  host: reviews
  subsets:
    - { name: v2, labels: { version: v2 } }
`;
const CANARY = `apiVersion: pilotfish.dev/v1
kind: Route
metadata: { name: canary }
spec:
  host: reviews
  rules:
    - destinations: [{ service: reviews, subset: v2 }]
`;

async function refusal(run: () => Promise<unknown>): Promise<ConfigChangeError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof ConfigChangeError, String(error));
    return error;
  }
  assert.fail('the change was accepted');
}

describe('config store through the API', () => {
  it('applies documents as one version, says what changed, and records the author', async () => {
    const store = new ConfigStore();
    const result = await store.applyDocuments([{ name: 'api', text: `${POLICY}---\n${ROUTE}` }], {
      ...options,
      author: 'alice',
    });
    assert.deepEqual(result.changed, ['DestinationPolicy default/reviews created', 'Route default/reviews created']);
    assert.equal(result.version, 1);
    const again = await store.applyDocuments([{ text: ROUTE.replace('2s', '3s') }, { text: POLICY }], options);
    assert.deepEqual(again.changed, ['Route default/reviews updated', 'DestinationPolicy default/reviews unchanged']);
    assert.equal(again.version, 2);
    assert.deepEqual(
      store.history().map((entry) => [entry.version, entry.author, entry.changed]),
      [
        [2, 'api', ['Route default/reviews updated']],
        [1, 'alice', ['DestinationPolicy default/reviews created', 'Route default/reviews created']],
      ],
    );
    assert.equal(store.config.routes[0]?.spec.rules[0]?.timeout, 3000);
  });

  it('changes nothing on a dry run, but reports what would change', async () => {
    const store = new ConfigStore();
    let told = 0;
    store.onChange(() => told++);
    const result = await store.applyDocuments([{ text: ROUTE }], { ...options, dryRun: true });
    assert.deepEqual(result, { version: 0, changed: ['Route default/reviews created'], notes: [] });
    assert.equal(store.version, 0);
    assert.equal(store.list().length, 0);
    assert.equal(told, 0);
  });

  it('refuses a bad document with the messages file validation gives, and keeps the config', async () => {
    const store = new ConfigStore();
    await store.applyDocuments([{ text: ROUTE }], options);
    const error = await refusal(() =>
      store.applyDocuments([{ name: 'routes.yaml', text: ROUTE.replace('2s', 'soon') }], options),
    );
    assert.equal(error.reason, 'invalid');
    assert.deepEqual(error.messages, [
      'routes.yaml:8: Route "reviews": spec.rules[0].timeout: "soon" is not a duration (a number with ms, s, m or h, like 250ms, 2s, 1m30s)',
    ]);
    assert.equal(store.version, 1);
    assert.equal(store.config.routes[0]?.spec.rules[0]?.timeout, 2000);
  });

  it('refuses to delete a document others depend on, naming the dependant', async () => {
    const store = new ConfigStore();
    await store.applyDocuments([{ text: `${POLICY}---\n${CANARY}` }], options);
    const error = await refusal(() => store.delete('DestinationPolicy', 'default', 'reviews', options));
    assert.equal(error.reason, 'invalid');
    assert.deepEqual(error.messages, [
      'api: Route "canary": spec.rules[0].destinations[0].subset: unknown subset "v2" of reviews.default.svc.cluster.local: no DestinationPolicy declares its subsets',
    ]);
    assert.equal((await refusal(() => store.delete('Route', 'default', 'nope', options))).reason, 'not-found');
    const deleted = await store.delete('Route', 'default', 'canary', { ...options, author: 'bob' });
    assert.deepEqual(deleted.changed, ['Route default/canary deleted']);
    assert.equal(store.history()[0]?.author, 'bob');
  });

  it('rolls back to an earlier version as a new version', async () => {
    const store = new ConfigStore();
    await store.applyDocuments([{ text: POLICY }], options);
    await store.applyDocuments([{ text: CANARY }], options);
    await store.applyDocuments(
      [{ text: POLICY.replace('subsets:', 'subsets:\n    - { name: v1, labels: { version: v1 } }') }],
      options,
    );
    const result = await store.rollback(1, { ...options, author: 'carol' });
    assert.equal(result.version, 4);
    assert.deepEqual(result.changed, ['DestinationPolicy default/reviews updated', 'Route default/canary deleted']);
    assert.deepEqual(
      store.list().map((document) => `${document.kind}/${document.name}`),
      ['DestinationPolicy/reviews'],
    );
    assert.deepEqual(
      store.get('DestinationPolicy', 'default', 'reviews')?.source,
      store
        .history()
        .find((entry) => entry.version === 1)
        ?.documents.get('DestinationPolicy/default/reviews')?.source,
    );
    assert.deepEqual(store.history(1)[0]?.changed, result.changed);
    assert.equal((await refusal(() => store.rollback(9, options))).reason, 'not-found');
  });

  it('keeps the newest versions only', async () => {
    const store = new ConfigStore({ historyLimit: 3 });
    for (const seconds of [1, 2, 3, 4, 5])
      await store.applyDocuments([{ text: ROUTE.replace('2s', `${seconds}s`) }], options);
    assert.deepEqual(
      store.history().map((entry) => entry.version),
      [5, 4, 3],
    );
    assert.match(
      (await refusal(() => store.rollback(1, options))).messages[0] ?? '',
      /version 1 is not in the history \(the history keeps versions 3–5\)/,
    );
  });
});

describe('config store precedence between the folder and the API', () => {
  it('refuses an API change to a document a folder file defines, naming the file', async () => {
    const store = new ConfigStore({ configDir: '/etc/mesh' });
    await store.apply([{ name: 'reviews.yaml', text: ROUTE }], options);
    assert.equal(store.history()[0]?.author, 'file:/etc/mesh/reviews.yaml');
    const error = await refusal(() =>
      store.applyDocuments([{ name: 'mine.yaml', text: ROUTE.replace('2s', '9s') }], options),
    );
    assert.equal(error.reason, 'folder-owned');
    assert.deepEqual(error.messages, [
      'mine.yaml:3: Route "reviews": metadata.name: is defined by the config folder in reviews.yaml; change it there (the folder is authoritative for the documents it defines)',
    ]);
    assert.equal((await refusal(() => store.delete('Route', 'default', 'reviews', options))).reason, 'folder-owned');
    assert.equal(store.get('Route', 'default', 'reviews')?.file, 'reviews.yaml');
  });

  it('validates folder and API documents as one set, both ways', async () => {
    const store = new ConfigStore();
    await store.apply([{ name: 'policy.yaml', text: POLICY }], options);
    await store.applyDocuments([{ text: CANARY }], options);
    // The folder may not drop a subset an API document uses.
    assert.equal((await store.apply([], options)).ok, false);
    assert.match(store.rejection?.messages[0] ?? '', /^api: Route "canary": .*unknown subset "v2"/);
    assert.equal(store.list().length, 2);
  });

  it('lets a file take over a document the API created, and keeps it across rollbacks', async () => {
    const store = new ConfigStore();
    await store.applyDocuments([{ text: ROUTE }], options);
    await store.apply([{ name: 'reviews.yaml', text: ROUTE.replace('2s', '5s') }], options);
    assert.deepEqual(store.history(1)[0]?.changed, ['Route default/reviews updated']);
    assert.equal(store.get('Route', 'default', 'reviews')?.file, 'reviews.yaml');
    const result = await store.rollback(1, options);
    assert.deepEqual(result.changed, []);
    assert.deepEqual(result.notes, [
      'Route default/reviews: the config folder defines it (reviews.yaml); kept as the folder has it',
    ]);
    assert.equal(store.config.routes[0]?.spec.rules[0]?.timeout, 5000);
    // Once the file drops it, the document is gone: the folder deleted what it defined.
    await store.apply([], options);
    assert.equal(store.list().length, 0);
  });
});
