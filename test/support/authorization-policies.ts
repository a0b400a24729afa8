// AuthorizationPolicy documents of namespace shop from their specs (YAML), validated as the control plane does.
import { validateConfig, type ConfigSet } from '../../control-plane/src/config/config-set.js';

/** The config holding one AuthorizationPolicy `p<index>` per spec; throws with the errors of a bad one. */
export function authorizationConfig(...specs: string[]): ConfigSet {
  const text = specs
    .map(
      (spec, index) =>
        `apiVersion: pilotfish.dev/v1\nkind: AuthorizationPolicy\nmetadata: { name: p${index}, namespace: shop }\nspec:\n${spec}`,
    )
    .join('---\n');
  const result = validateConfig([{ name: 'f.yaml', text }]);
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.config;
}
