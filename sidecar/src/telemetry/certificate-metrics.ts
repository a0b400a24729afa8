// When the certificates a proxy presents expire, as the alert rule "certificates near expiry" reads
// them: pilotfish_cert_expiry_timestamp_seconds{service, listener}, the first certificate's
// notAfter in Unix seconds, read at scrape time from the certificates in force.
import { X509Certificate } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';

/** A certificate chain (PEM) in force, with the listener presenting it. */
export interface PresentedCertificate {
  listener: string;
  chain: string | Buffer;
}

export function addCertificateExpiry(
  registry: Registry,
  service: string,
  presented: () => Iterable<PresentedCertificate>,
): void {
  new Gauge({
    name: 'pilotfish_cert_expiry_timestamp_seconds',
    help: 'When the certificate a listener presents expires (its notAfter), in Unix seconds.',
    labelNames: ['service', 'listener'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { listener, chain } of presented())
        this.set({ service, listener }, Date.parse(new X509Certificate(chain).validTo) / 1000);
    },
  });
}
