import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { workloadEndReason } from './workload-end.js';

type Exit = number | 'running';

function pod(restartPolicy: string | undefined, exits: Record<string, Exit>, proxy = 'pilotfish-proxy'): V1Pod {
  const names = [...Object.keys(exits), proxy];
  return {
    metadata: { name: 'job-x7k2p', namespace: 'batch' },
    spec: { restartPolicy, containers: names.map((name) => ({ name, image: 'example/app:1' })) },
    status: {
      containerStatuses: names.map((name) => {
        const exit = exits[name] ?? 'running';
        return {
          name,
          image: 'example/app:1',
          imageID: '',
          ready: exit === 'running',
          restartCount: 0,
          state: exit === 'running' ? { running: {} } : { terminated: { exitCode: exit } },
        };
      }),
    },
  };
}

describe('workloadEndReason (a classic sidecar ends with its app)', () => {
  const cases: { name: string; pod: V1Pod; ends: boolean }[] = [
    { name: 'Never, the app exited 0', pod: pod('Never', { app: 0 }), ends: true },
    { name: 'Never, the app failed', pod: pod('Never', { app: 1 }), ends: true },
    { name: 'Never, one of two apps still runs', pod: pod('Never', { app: 0, worker: 'running' }), ends: false },
    { name: 'Never, both apps exited', pod: pod('Never', { app: 0, worker: 2 }), ends: true },
    { name: 'OnFailure, the app exited 0', pod: pod('OnFailure', { app: 0 }), ends: true },
    { name: 'OnFailure, the app failed (kubelet restarts it)', pod: pod('OnFailure', { app: 1 }), ends: false },
    { name: 'Always (a Deployment): the app restarts', pod: pod('Always', { app: 0 }), ends: false },
    { name: 'no restartPolicy means Always', pod: pod(undefined, { app: 0 }), ends: false },
    { name: 'the app still runs', pod: pod('Never', { app: 'running' }), ends: false },
    { name: 'no classic sidecar (native or not injected)', pod: pod('Never', { app: 0 }, 'other'), ends: false },
  ];
  for (const { name, pod: subject, ends } of cases) {
    it(name, () => assert.equal(workloadEndReason(subject) !== undefined, ends));
  }

  it('names each app container and its exit code', () => {
    assert.equal(
      workloadEndReason(pod('Never', { app: 0, worker: 2 })),
      'app containers done (app exited 0, worker exited 2; restartPolicy Never)',
    );
  });
});
