// `pilotfish ca list|prepare|activate|retire`: the state dir's roots and their rotation. The control
// plane reads them when it starts: restart it (each replica) after each step. Replicas sharing etcd
// share their CA through it: give the same --store, and each step applies to the store's roots.
import { Command } from 'commander';
import { storeLocation, storeOptions, type StoreFlags } from '../store-options.js';

interface StateDirFlags {
  stateDir: string;
}

const STATE_DIR = "the control plane's state dir";

// The CA's modules load when a step runs: the rest of the CLI, and `--help`, need none of them.
const rootRotation = () => import('../../control-plane/src/identity/root-rotation.js');

/** A rotation step on the state dir, or on the roots the replicas on --store etcd://… share. */
function rotationStep<Flags extends StateDirFlags & StoreFlags>(
  name: string,
  description: string,
  run: (options: Flags) => Promise<void> | void,
): Command {
  const command = new Command(name).description(description).requiredOption('--state-dir <dir>', STATE_DIR);
  for (const option of storeOptions('the store control-plane replicas share their CA through (etcd://…)'))
    command.addOption(option);
  return command.action(async (options: Flags) => {
    const location = storeLocation(options);
    if (location.kind === 'memory') return run(options);
    // Loaded only when asked for: the etcd client is a module every other command would pay for.
    const [{ openEtcdCaFiles }, { rotateSharedRoot }] = await Promise.all([
      import('../../control-plane/src/store/etcd-store.js'),
      import('../../control-plane/src/identity/shared-ca-state.js'),
    ]);
    const shared = openEtcdCaFiles(location);
    try {
      await rotateSharedRoot(options.stateDir, shared.files, () => run(options));
    } finally {
      shared.close();
    }
  });
}

export function caCommand(): Command {
  return new Command('ca')
    .description("the control plane's CA roots: list them, and rotate the root with no downtime")
    .addCommand(
      new Command('list')
        .description('the roots in the trust bundle: active (signs), next (prepared), previous (until retired)')
        .requiredOption('--state-dir <dir>', STATE_DIR)
        .action(async (options: StateDirFlags) => {
          const { readRoot, ROOT_SLOTS } = await import('../../control-plane/src/identity/state-dir-ca.js');
          for (const slot of ROOT_SLOTS) {
            const root = readRoot(options.stateDir, slot);
            if (root)
              console.log(
                `${slot.padEnd(8)} ${root.serialNumber}  ${root.subject}  until ${root.notAfter.toISOString()}`,
              );
          }
        }),
    )
    .addCommand(
      rotationStep(
        'prepare',
        'make the next root; it joins the trust bundle but signs nothing yet',
        async (options: StateDirFlags & StoreFlags & { trustDomain: string }) =>
          (await rootRotation()).prepareRoot(options.stateDir, options.trustDomain, new Date()),
      ).option('--trust-domain <domain>', 'the SPIFFE trust domain the root is for', 'cluster.local'),
    )
    .addCommand(
      rotationStep('activate', 'sign with the prepared root; the old one stays trusted as previous', async (options) =>
        (await rootRotation()).activateRoot(options.stateDir),
      ),
    )
    .addCommand(
      rotationStep(
        'retire',
        'stop trusting the previous root (once the leaves it signed have expired: 24 h)',
        async (options) => (await rootRotation()).retireRoot(options.stateDir),
      ),
    );
}
