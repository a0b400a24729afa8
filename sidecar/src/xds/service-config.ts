// A pilotfish.v1.ServiceConfig resource as the sidecar uses it: checked once when it arrives, then
// resolved for this instance's labels into the parameters its app reads on GET /v1/config.
import type { ServiceConfig__Output } from '../../../proto/gen/pilotfish/v1/ServiceConfig.js';
import { structToObject } from '../../../proto/xds.js';
import { XdsConfigError } from './resource-set.js';

export type Parameters = Record<string, unknown>;

export interface CompiledServiceConfig {
  name: string;
  parameters: Parameters;
  subsets: ReadonlyArray<{ labels: Readonly<Record<string, string>>; parameters: Parameters }>;
}

/** Checks a decoded resource; throws XdsConfigError (the NACK's message) when it cannot be used. */
export function compileServiceConfig(resource: ServiceConfig__Output): CompiledServiceConfig {
  const name = resource.name ?? '';
  const subsets = (resource.subsets ?? []).map((subset, index) => {
    const labels = subset.labels ?? {};
    // An empty selector would apply to every instance: the control plane never sends one, so
    // it is a mistake, not a rule to guess at.
    if (Object.keys(labels).length === 0)
      throw new XdsConfigError(
        `ServiceConfig "${name}": subsets[${index}].labels: is empty; a subset needs at least one label`,
      );
    return { labels, parameters: structToObject(subset.parameters) };
  });
  return { name, parameters: structToObject(resource.parameters), subsets };
}

/**
 * The parameters an instance with `labels` gets: the base parameters, then every subset whose
 * labels all match, in order, each replacing the top-level parameters it names (values are not
 * merged deeper: a subset's `limits` replaces the base `limits` whole).
 */
export function resolveParameters(config: CompiledServiceConfig, labels: Readonly<Record<string, string>>): Parameters {
  let parameters = config.parameters;
  for (const subset of config.subsets) {
    if (Object.entries(subset.labels).every(([key, value]) => labels[key] === value))
      parameters = { ...parameters, ...subset.parameters };
  }
  return parameters;
}
