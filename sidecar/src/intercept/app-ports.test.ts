import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HttpFilterChain, NO_FILTERS } from '../filters/http-filter-chain.js';
import { RbacEngine } from '../filters/rbac.js';
import { RbacFilter } from '../filters/rbac-filter.js';
import { compileInboundConfig } from '../xds/compile.js';
import { AppPorts } from './app-ports.js';

describe('AppPorts', () => {
  const app = compileInboundConfig(8080);
  const ports = new AppPorts(8080, app);
  after(() => Promise.all([ports.closeAll(), app.hosts.closeAll()]));
  const denyAll = new HttpFilterChain([new RbacFilter(new RbacEngine('ALLOW', []), () => undefined)]);

  it("puts the service's RBAC filters before the app's other HTTP ports, built once per version", () => {
    const config = ports.routingConfig(9000, app, denyAll);
    assert.equal(config.listeners.get('inbound')?.filters, denyAll);
    assert.equal(ports.routingConfig(9000, app, denyAll), config);
    assert.equal(ports.routingConfig(8080, app, denyAll), app, 'the app port keeps its own config');
  });

  it('leaves the other ports open without policies', () => {
    assert.equal(ports.routingConfig(9000, app, NO_FILTERS).listeners.get('inbound')?.filters.filters.length, 0);
  });
});
