// `pilotfish inject -f FILE`: the webhook's injection offline, for YAML files (like `istioctl
// kube-inject`): the injected documents on stdout, a note on stderr for each pod template left alone.
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import {
  defaultInjectionSettings,
  type InjectionSettings,
} from '../../control-plane/src/injection/injection-settings.js';
import { positiveInt } from '../options.js';

export interface InjectionSettingFlags {
  proxyImage: string;
  meshControlPlane: string;
  proxyUid: number;
}

/** The flags that shape every injected pod, shared by `inject` and `control-plane --webhook-listen`. */
export const injectionSettingOptions = {
  proxyImage: () =>
    new Option('--proxy-image <image>', 'image of the injected init container and sidecar').default(
      defaultInjectionSettings.image,
    ),
  meshControlPlane: () =>
    new Option(
      '--mesh-control-plane <host:port>',
      "the control plane's gRPC address as injected sidecars reach it",
    ).default(defaultInjectionSettings.controlPlane),
  proxyUid: () =>
    new Option('--proxy-uid <uid>', 'uid the injected sidecar runs as')
      .argParser(positiveInt)
      .default(defaultInjectionSettings.proxyUid),
};

export function injectionSettings(flags: InjectionSettingFlags): InjectionSettings {
  return {
    ...defaultInjectionSettings,
    image: flags.proxyImage,
    controlPlane: flags.meshControlPlane,
    proxyUid: flags.proxyUid,
  };
}

export function injectCommand(): Command {
  return new Command('inject')
    .description(
      'add the sidecar to the pods and pod templates (Deployment, StatefulSet, DaemonSet, Job, CronJob) of YAML files, as the webhook would; prints the result',
    )
    .requiredOption('-f, --filename <file>', "a YAML file with one or more documents ('-' reads stdin)")
    .addOption(injectionSettingOptions.proxyImage())
    .addOption(injectionSettingOptions.meshControlPlane())
    .addOption(injectionSettingOptions.proxyUid())
    .action(async (flags: InjectionSettingFlags & { filename: string }) => {
      const source = flags.filename === '-' ? 'stdin' : flags.filename;
      let text: string;
      try {
        text = await readFile(flags.filename === '-' ? '/dev/stdin' : flags.filename, 'utf8');
      } catch (error) {
        throw new Error(`cannot read ${source}`, { cause: error });
      }
      const { injectManifests } = await import('../../control-plane/src/injection/workload-injection.js');
      const result = injectManifests(text, source, injectionSettings(flags));
      for (const note of result.notes) console.error(`note: ${note}`);
      process.stdout.write(result.text);
    });
}
