import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickClusterName, singleCluster, weightedClusters } from './cluster-choice.js';

describe('cluster choice', () => {
  it('always picks the one cluster of a plain route', () => {
    assert.equal(
      pickClusterName(singleCluster('a'), () => 0.99),
      'a',
    );
  });

  it('splits by weight: each cluster owns its share of [0, total)', () => {
    const split = weightedClusters([
      ['v1', 90],
      ['v2', 10],
    ]);
    assert.equal(
      pickClusterName(split, () => 0),
      'v1',
    );
    assert.equal(
      pickClusterName(split, () => 0.899),
      'v1',
    );
    assert.equal(
      pickClusterName(split, () => 0.9),
      'v2',
    );
    assert.equal(
      pickClusterName(split, () => 0.999),
      'v2',
    );
  });

  it('never picks a cluster of weight 0', () => {
    const split = weightedClusters([
      ['off', 0],
      ['on', 5],
    ]);
    for (const point of [0, 0.5, 0.999])
      assert.equal(
        pickClusterName(split, () => point),
        'on',
      );
  });
});
