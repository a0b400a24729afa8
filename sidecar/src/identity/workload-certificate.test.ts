import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import pino from 'pino';
import {
  ROOTS_CHANGE_SPREAD_MS,
  WorkloadCertificate,
  type SignedCertificate,
  type WorkloadCertificateState,
} from './workload-certificate.js';

const HOUR_MS = 3_600_000;
const logger = pino({ level: 'silent' });

/** A CA stand-in that signs for 24 h from the (mocked) clock, or fails while `failing` is set. */
function fakeCa() {
  const csrs: string[] = [];
  const ca = {
    csrs,
    failing: false,
    sign(csrPem: string): Promise<SignedCertificate> {
      csrs.push(csrPem);
      if (ca.failing) return Promise.reject(new Error('control plane unreachable'));
      return Promise.resolve({
        certificateChain: `leaf ${csrs.length}`,
        trustBundle: 'root',
        spiffeId: 'spiffe://cluster.local/ns/default/sa/backend',
        notAfter: new Date(Date.now() + 24 * HOUR_MS),
      });
    },
  };
  return ca;
}

function nextCertificate(certificate: WorkloadCertificate): Promise<WorkloadCertificateState> {
  return new Promise((resolve) => {
    const stop = certificate.onChange((state) => {
      stop();
      resolve(state);
    });
  });
}

/** The second certificate from now on. */
function twoCertificates(certificate: WorkloadCertificate): Promise<WorkloadCertificateState> {
  return new Promise((resolve) => {
    let seen = 0;
    const stop = certificate.onChange((state) => {
      if (++seen < 2) return;
      stop();
      resolve(state);
    });
  });
}

/** Starts a certificate against a fake CA on mocked timers, waits for the first, runs `check`, cleans up. */
async function withCertificate(
  random: number,
  check: (
    ca: ReturnType<typeof fakeCa>,
    certificate: WorkloadCertificate,
    first: WorkloadCertificateState,
  ) => Promise<void>,
  rootsChangeSpreadMs?: number,
): Promise<void> {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-12-06T00:00:00Z') });
  const ca = fakeCa();
  const certificate = new WorkloadCertificate({
    sign: (csr) => ca.sign(csr),
    logger,
    random: () => random,
    rootsChangeSpreadMs,
  });
  try {
    const first = nextCertificate(certificate);
    certificate.start();
    const issued = await first;
    // The renewal that told of it is over once the microtasks of its issue have run.
    await new Promise((resolve) => setImmediate(resolve));
    await check(ca, certificate, issued);
  } finally {
    certificate.stop();
    mock.timers.reset();
  }
}

describe('WorkloadCertificate', () => {
  it('renews with a new key at half its lifetime (jitter at the middle of the window), not before', () =>
    withCertificate(0.5, async (ca, certificate, first) => {
      assert.equal(first.certificateChain, 'leaf 1');
      mock.timers.tick(12 * HOUR_MS - 1);
      assert.equal(ca.csrs.length, 1);
      const second = nextCertificate(certificate);
      mock.timers.tick(1);
      const renewed = await second;
      assert.equal(renewed.certificateChain, 'leaf 2');
      assert.notEqual(ca.csrs[1], ca.csrs[0]);
      assert.notEqual(renewed.privateKeyPem, first.privateKeyPem);
    }));

  it('spreads renewals over 40–60% of the remaining lifetime', () =>
    withCertificate(0, async (ca, certificate) => {
      const second = nextCertificate(certificate);
      mock.timers.tick(0.4 * 24 * HOUR_MS);
      await second;
      assert.equal(ca.csrs.length, 2);
    }));

  it('keeps the certificate it has while a renewal fails, and retries until one succeeds', () =>
    withCertificate(0.5, async (ca, certificate) => {
      ca.failing = true;
      mock.timers.tick(12 * HOUR_MS);
      await waitForCsrs(ca.csrs, 2);
      assert.equal(certificate.current?.certificateChain, 'leaf 1');
      ca.failing = false;
      const renewed = nextCertificate(certificate);
      mock.timers.tick(1000);
      assert.equal((await renewed).certificateChain, 'leaf 3');
    }));

  it('renews at a random point of the roots-change spread when asked (new roots), then at half the new lifetime', () =>
    withCertificate(0.5, async (ca, certificate) => {
      mock.timers.tick(HOUR_MS);
      certificate.renewSoon();
      mock.timers.tick(ROOTS_CHANGE_SPREAD_MS / 2 - 1);
      assert.equal(ca.csrs.length, 1, 'not before its point of the spread');
      const second = nextCertificate(certificate);
      mock.timers.tick(1);
      assert.equal((await second).certificateChain, 'leaf 2');
      mock.timers.tick(12 * HOUR_MS - 1);
      assert.equal(ca.csrs.length, 2, 'the renewal due at 12 h was replaced by one 12 h after this');
      const third = nextCertificate(certificate);
      mock.timers.tick(1);
      assert.equal((await third).certificateChain, 'leaf 3');
    }));

  it('spreads a fleet told of new roots at once over the whole spread, none later', async () => {
    for (const [random, renewsAtMs] of [
      [0, 0],
      [0.25, ROOTS_CHANGE_SPREAD_MS / 4],
      [0.999, 0.999 * ROOTS_CHANGE_SPREAD_MS],
    ] as const)
      await withCertificate(random, async (ca, certificate) => {
        certificate.renewSoon();
        if (renewsAtMs > 0) {
          mock.timers.tick(renewsAtMs - 1);
          assert.equal(ca.csrs.length, 1, `random ${random}: not before ${renewsAtMs} ms`);
        }
        const renewed = nextCertificate(certificate);
        mock.timers.tick(renewsAtMs > 0 ? 1 : 0);
        assert.equal((await renewed).certificateChain, 'leaf 2', `random ${random}: at ${renewsAtMs} ms`);
      });
  });

  it('keeps a scheduled renewal that comes before its point of the spread', () =>
    withCertificate(
      0.5,
      async (ca, certificate) => {
        certificate.renewSoon(); // its point: 24 h away, after the renewal due at 12 h
        mock.timers.tick(12 * HOUR_MS - 1);
        assert.equal(ca.csrs.length, 1);
        const second = nextCertificate(certificate);
        mock.timers.tick(1);
        assert.equal((await second).certificateChain, 'leaf 2');
      },
      48 * HOUR_MS,
    ));

  it('asked while a renewal is in flight, renews once more after it (once for any number of asks)', async () => {
    const ca = fakeCa();
    const certificate = new WorkloadCertificate({ sign: (csr) => ca.sign(csr), logger, rootsChangeSpreadMs: 0 });
    try {
      const [first, second] = [nextCertificate(certificate), twoCertificates(certificate)];
      certificate.start();
      certificate.renewSoon();
      certificate.renewSoon();
      assert.equal((await first).certificateChain, 'leaf 1');
      assert.equal((await second).certificateChain, 'leaf 2');
      assert.equal(ca.csrs.length, 2);
    } finally {
      certificate.stop();
    }
  });
});

/** Waits (on real I/O, not timers) until the CA has seen `count` CSRs: key generation runs off the event loop. */
async function waitForCsrs(csrs: string[], count: number): Promise<void> {
  while (csrs.length < count) await new Promise((resolve) => setImmediate(resolve));
}
