// The webhook's protocol: an AdmissionReview v1 in, the same review with a response out (the request's
// uid echoed, the injection as a JSONPatch). Pure; the HTTPS server is webhook-server.ts.
import jsonPatch from 'fast-json-patch';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { z } from 'zod';
import type { InjectionSettings } from './injection-settings.js';
import { injectPod } from './pod-injection.js';

const admissionReview = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1),
    kind: z.object({ group: z.string().optional(), version: z.string().optional(), kind: z.string() }),
    namespace: z.string().optional(),
    object: z.unknown(),
  }),
});

export interface AdmissionResponse {
  uid: string;
  allowed: true;
  patchType?: 'JSONPatch';
  /** base64 of the JSONPatch text. */
  patch?: string;
  warnings?: string[];
}

export type AdmissionOutcome =
  | { status: 200; review: { apiVersion: 'admission.k8s.io/v1'; kind: 'AdmissionReview'; response: AdmissionResponse } }
  | { status: 400; message: string };

/** Answers one review; anything that is not an AdmissionReview v1 is a 400 that says what was wrong. */
export function reviewAdmission(body: unknown, settings: InjectionSettings): AdmissionOutcome {
  const parsed = admissionReview.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'the body';
    return { status: 400, message: `not an AdmissionReview v1: ${where}: ${issue?.message ?? 'invalid'}` };
  }
  const { uid, kind, object } = parsed.data.request;
  const respond = (response: Omit<AdmissionResponse, 'uid' | 'allowed'>): AdmissionOutcome => ({
    status: 200,
    review: {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid, allowed: true, ...response },
    },
  });
  // Never block a pod: what the webhook will not touch is admitted unchanged, with a warning that says why.
  const leaveAlone = (reason: string) => respond({ warnings: [`pilotfish: sidecar not injected: ${reason}`] });
  if (kind.kind !== 'Pod' || (kind.group ?? '') !== '')
    return leaveAlone(`the webhook injects Pods, not ${kind.group ? `${kind.group}/` : ''}${kind.kind}`);
  if (typeof object !== 'object' || object === null || Array.isArray(object))
    return leaveAlone('request.object is not a Pod object');
  const result = injectPod(object as IPod, settings);
  if (!result.isInjected) return leaveAlone(result.reason);
  const patch = jsonPatch.compare(object, result.pod);
  return respond({ patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
}
