import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatConfigError } from './config-error.js';
import { validateConfig } from './config-set.js';

function messages(spec: string): string[] {
  const text = `apiVersion: pilotfish.dev/v1\nkind: PeerAuthentication\nmetadata: { name: p, namespace: shop }\nspec:\n${spec}`;
  const result = validateConfig([{ name: 'f.yaml', text }], { isRegistered: () => true });
  return result.ok ? [] : result.errors.map(formatConfigError);
}

describe('PeerAuthentication kind', () => {
  it('accepts a mode, and for a selected service modes by port, with or without a mode of its own', () => {
    assert.deepEqual(messages('  mtls: { mode: PERMISSIVE }\n'), []);
    const ports =
      '  selector: { service: legacy }\n  portLevelMtls:\n    8080: { mode: PERMISSIVE }\n    "9090": { mode: DISABLE }\n';
    assert.deepEqual(messages(ports), []);
    assert.deepEqual(messages(`${ports}  mtls: { mode: STRICT }\n`), []);
  });

  const bad: Array<[string, string, RegExp]> = [
    [
      'an unknown mode',
      '  mtls: { mode: UNSET }\n',
      /f\.yaml:5: PeerAuthentication "shop\/p": spec\.mtls\.mode: must be one of STRICT, PERMISSIVE, DISABLE, got "UNSET"/,
    ],
    ['no mode at all', '  selector: { service: legacy }\n', /spec\.mtls: is required \(a mode, or portLevelMtls\)/],
    [
      'port modes without a selector',
      '  portLevelMtls:\n    8080: { mode: PERMISSIVE }\n',
      /f\.yaml:5: .*spec\.portLevelMtls: needs a selector: port modes hold for one service's sidecars/,
    ],
    [
      'a port out of range',
      '  selector: { service: legacy }\n  portLevelMtls:\n    70000: { mode: PERMISSIVE }\n',
      /f\.yaml:7: .*spec\.portLevelMtls\["70000"\]: key "70000" is not a port \(1–65535\)/,
    ],
    [
      'a port that is not a number',
      '  selector: { service: legacy }\n  portLevelMtls:\n    http: { mode: PERMISSIVE }\n',
      /spec\.portLevelMtls\.http: key "http" is not a port \(1–65535\)/,
    ],
    [
      "a port's unknown mode",
      '  selector: { service: legacy }\n  portLevelMtls:\n    8080: { mode: OPTIONAL }\n',
      /f\.yaml:7: .*spec\.portLevelMtls\["8080"\]\.mode: must be one of STRICT, PERMISSIVE, DISABLE, got "OPTIONAL"/,
    ],
  ];
  for (const [name, spec, expected] of bad)
    it(`refuses ${name}, naming the field`, () => {
      const found = messages(spec);
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0] as string, expected);
    });
});
