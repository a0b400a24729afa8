// Checks a pod against the Kubernetes API schema (kubernetes-models 4.x: 5.x needs Node 22).
import { Pod, type IPod } from 'kubernetes-models/v1/Pod';

/** The schema's complaint about `pod` (e.g. "data/spec/containers/0 must have required property name"), or undefined. */
export function podSchemaError(pod: IPod): string | undefined {
  try {
    const { apiVersion: _apiVersion, kind: _kind, ...fields } = pod;
    new Pod(fields).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/\bdata\//g, '');
  }
}
