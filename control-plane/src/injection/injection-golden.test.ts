// Golden pairs (test/golden/inject/<case>.in.yaml → .out.yaml): the offline path's output, checked against
// the Kubernetes schemas, stable under a second injection, and equal to what the webhook's patch makes.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import jsonPatch from 'fast-json-patch';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Pod, type IPod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { assertGolden, goldenDir, readGolden } from '../../../test/support/golden.js';
import { reviewAdmission } from './admission-review.js';
import { defaultInjectionSettings } from './injection-settings.js';
import { injectManifests } from './workload-injection.js';

const cases = readdirSync(join(goldenDir, 'inject'))
  .filter((file) => file.endsWith('.in.yaml'))
  .map((file) => file.replace(/\.in\.yaml$/, ''));

type KubernetesObject = { kind: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

const models: Record<string, new (data: never) => { validate(): void }> = {
  Pod,
  Service,
  Deployment,
  StatefulSet,
  DaemonSet,
  Job,
  CronJob,
};

function documents(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
}

/** The pod (template) of each object, as a Pod. */
function podOf(object: KubernetesObject): IPod {
  if (object.kind === 'Pod') return object as unknown as IPod;
  const spec = object.kind === 'CronJob' ? (object.spec?.jobTemplate as KubernetesObject).spec : object.spec;
  const template = spec?.template as Pick<IPod, 'metadata' | 'spec'>;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    ...template,
    metadata: { name: object.metadata?.name, ...template.metadata },
  };
}

function inject(text: string) {
  return injectManifests(text, 'test.yaml', defaultInjectionSettings);
}

describe('sidecar injection golden pairs', () => {
  for (const name of cases) {
    const input = readGolden(`inject/${name}.in.yaml`);

    it(`${name}: offline injection matches the golden output`, () => {
      assertGolden(`inject/${name}.out.yaml`, inject(input).text);
    });

    it(`${name}: every output object validates against the Kubernetes schemas`, () => {
      for (const object of documents(inject(input).text)) {
        const Model = models[object.kind];
        assert.ok(Model, `no schema for ${object.kind} in this test`);
        const {
          apiVersion: _apiVersion,
          kind: _kind,
          ...fields
        } = object as KubernetesObject & { apiVersion?: string };
        assert.doesNotThrow(() => new Model(fields as never).validate(), `${object.kind} ${object.metadata?.name}`);
      }
    });

    it(`${name}: injecting twice equals injecting once`, () => {
      const once = inject(input);
      const twice = inject(once.text);
      assert.equal(twice.text, once.text);
    });

    it(`${name}: the webhook's JSONPatch gives the same pod as offline injection`, () => {
      const offline = documents(inject(input).text).filter(
        (object) => models[object.kind] && object.kind !== 'Service',
      );
      documents(input)
        .filter((object) => object.kind !== 'Service')
        .forEach((object, index) => {
          const pod = podOf(object);
          const outcome = reviewAdmission(
            {
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              request: { uid: `uid-${index}`, kind: { group: '', version: 'v1', kind: 'Pod' }, object: pod },
            },
            defaultInjectionSettings,
          );
          assert.equal(outcome.status, 200);
          if (outcome.status !== 200) return;
          const { response } = outcome.review;
          assert.equal(response.uid, `uid-${index}`);
          assert.equal(response.allowed, true);
          const expected = podOf(offline[index] as KubernetesObject);
          const patch =
            response.patch === undefined
              ? []
              : (JSON.parse(Buffer.from(response.patch, 'base64').toString()) as jsonPatch.Operation[]);
          assert.equal(patch.length > 0, response.warnings === undefined, 'a patch, or a warning saying why not');
          const patched = jsonPatch.applyPatch(structuredClone(pod), patch, true, false).newDocument;
          assert.deepEqual(patched, expected);
        });
    });
  }
});
