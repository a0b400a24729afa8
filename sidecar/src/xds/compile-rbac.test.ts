import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RBAC__Output } from '../../../proto/gen/envoy/config/rbac/v3/RBAC.js';
import type { RbacRequest } from '../filters/rbac.js';
import { XdsConfigError } from './resource-set.js';
import { compileRbac } from './compile-rbac.js';

const REQUEST: RbacRequest = { headers: {}, method: 'GET', path: '/', port: 8080, principal: undefined };

function refusal(rules: RBAC__Output): string {
  try {
    compileRbac('Listener "inbound|a"', 'rules', rules);
  } catch (error) {
    assert.ok(error instanceof XdsConfigError);
    return error.message;
  }
  return 'compiled';
}

describe('compileRbac', () => {
  const refused: Array<[string, RBAC__Output, string]> = [
    ['the LOG action', { action: 'LOG' }, 'rules.action: LOG is not supported by this sidecar yet (ALLOW, DENY)'],
    [
      'a CEL condition',
      { policies: { p: { condition: {}, permissions: [], principals: [] } } },
      'rules.policies["p"].condition: CEL conditions are not supported by this sidecar yet',
    ],
    [
      'a principal by source IP',
      { policies: { p: { permissions: [{ any: true, rule: 'any' }], principals: [{ identifier: 'source_ip' }] } } },
      'rules.policies["p"].principals[0]: identifier source_ip is not supported by this sidecar yet',
    ],
    [
      'a permission on metadata, nested',
      {
        policies: {
          p: {
            permissions: [{ rule: 'and_rules', and_rules: { rules: [{ rule: 'metadata' }] } }],
            principals: [{ identifier: 'any', any: true }],
          },
        },
      },
      'rules.policies["p"].permissions[0].and_rules.rules[0]: rule metadata is not supported by this sidecar yet',
    ],
  ];
  for (const [name, rules, message] of refused)
    it(`refuses ${name}, naming the field`, () => assert.equal(refusal(rules), `Listener "inbound|a": ${message}`));

  it('matches `authenticated` without a name for any verified peer, and never without mTLS', () => {
    const engine = compileRbac('Listener "l"', 'rules', {
      action: 'ALLOW',
      policies: {
        p: {
          permissions: [{ rule: 'any', any: true }],
          principals: [{ identifier: 'authenticated', authenticated: {} }],
        },
      },
    });
    assert.equal(engine.isAllowed({ ...REQUEST, principal: 'spiffe://cluster.local/ns/a/sa/b' }), true);
    assert.equal(engine.isAllowed(REQUEST), false);
  });
});
