// `pilotfish manifests`: prints the Kubernetes objects that install the control plane, as YAML.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { renderManifests, webhookHost } from '../kubernetes-manifests.js';
import { positiveInt } from '../options.js';
import { makeWebhookCertificate, type WebhookCertificate } from '../webhook-certificate.js';

interface ManifestsFlags {
  namespace: string;
  replicas: number;
  image: string;
  webhookCert?: string;
  webhookKey?: string;
  webhookCa?: string;
  certManager?: boolean;
}

// No anchors for shared objects (labels); quotes as Prettier writes YAML, so the committed file stays as printed.
const YAML_OPTIONS = { aliasDuplicateObjects: false, singleQuote: true } as const;

const DEFAULT_IMAGE = 'ghcr.io/pilotfish-mesh/pilotfish:0.1.0';

export function manifestsCommand(): Command {
  return new Command('manifests')
    .description('print the Kubernetes manifests that install the control plane and its sidecar injector')
    .option('--namespace <name>', 'namespace of the control plane', 'pilotfish-system')
    .option('--replicas <n>', 'control-plane replicas', positiveInt, 2)
    .option('--image <ref>', 'the pilotfish image', DEFAULT_IMAGE)
    .option(
      '--webhook-cert <file>',
      "the injector webhook's serving certificate (PEM); made with openssl when not given",
    )
    .option('--webhook-key <file>', 'its private key (PEM)')
    .option('--webhook-ca <file>', "the CA that signed it (PEM): the webhook's caBundle")
    .option('--cert-manager', 'print no certificate: cert-manager writes the Secret and injects the caBundle')
    .action(async (options: ManifestsFlags) => {
      const documents = renderManifests({
        namespace: options.namespace,
        replicas: options.replicas,
        image: options.image,
        webhookCertificate: options.certManager ? undefined : webhookCertificate(options),
      });
      const { stringify } = await import('yaml');
      process.stdout.write(documents.map((document) => stringify(document, YAML_OPTIONS)).join('---\n'));
    });
}

function webhookCertificate(options: ManifestsFlags): WebhookCertificate {
  const given = [options.webhookCert, options.webhookKey, options.webhookCa];
  if (given.every((file) => file === undefined)) return makeWebhookCertificate(webhookHost(options.namespace));
  const [certificate, key, ca] = given;
  if (certificate === undefined || key === undefined || ca === undefined) {
    throw new Error('--webhook-cert, --webhook-key and --webhook-ca go together: give all three or none');
  }
  return { certificate: readPem(certificate), key: readPem(key), ca: readPem(ca) };
}

function readPem(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!text.includes('-----BEGIN ')) throw new Error(`${file} is not a PEM file`);
  return text;
}
