// Which cluster a route sends a request to: one, or one of several by weight (weighted_clusters,
// the traffic split of a canary). The cumulative weights are computed once per config version.

export interface ClusterChoice {
  names: readonly string[];
  /** Running totals of the weights, one per name; empty when there is one cluster. */
  cumulative: readonly number[];
  total: number;
}

export function singleCluster(name: string): ClusterChoice {
  return { names: [name], cumulative: [], total: 0 };
}

export function weightedClusters(entries: ReadonlyArray<readonly [name: string, weight: number]>): ClusterChoice {
  const cumulative: number[] = [];
  let total = 0;
  for (const [, weight] of entries) cumulative.push((total += weight));
  return { names: entries.map(([name]) => name), cumulative, total };
}

export function pickClusterName(choice: ClusterChoice, random: () => number = Math.random): string {
  if (choice.cumulative.length === 0) return choice.names[0] as string;
  const point = random() * choice.total;
  for (let i = 0; i < choice.cumulative.length; i++)
    if (point < (choice.cumulative[i] as number)) return choice.names[i] as string;
  return choice.names[choice.names.length - 1] as string;
}
