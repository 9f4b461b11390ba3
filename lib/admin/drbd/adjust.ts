// `drbdadm -d adjust <res>`: the commands drbdadm would run to make the kernel match the
// configuration files, one per line, without running them. Empty output: nothing differs.
//
//   drbdsetup net-options r0 1 --set-defaults --_name=node2 --fencing=resource-only --protocol=C
//   drbdsetup peer-device-options r0 1 0 --set-defaults --c-plan-ahead=0 --resync-rate=40k
//   drbdsetup-84 disk-options 0 --set-defaults --resync-rate=40k       (DRBD 8.4)
//   drbdmeta 0 v09 /dev/vda internal apply-al                           (part of an attach)
//
// A changed section is re-applied whole (`--set-defaults` resets what is not named), so the
// options listed are the section's settings, of which at least one differs. Pure.

import { fail, guarded } from '../../agent-runtime/drbd/fields.js';
import type { Parsed } from '../../agent-runtime/drbd/model.js';

export interface AdjustStep {
  /** The drbdsetup subcommand (`net-options`, `attach`, `connect`, ...). */
  command: string;
  /** Its positional arguments (resource, peer node id, volume, minor, addresses). */
  targets: string[];
  /** `--name=value` options, without drbdadm's internal `--_name` and `--set-defaults`. */
  options: Record<string, string>;
  /** The line as drbdadm printed it. */
  line: string;
}

export function parseDrbdadmAdjust(text: string): Parsed<{ steps: AdjustStep[] }> {
  return guarded(() => {
    const steps: AdjustStep[] = [];
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#') || /^modinfo: /.test(line)) continue;
      const [program, command, ...rest] = line.split(/\s+/);
      const name = program!.split('/').pop()!;
      if (name.startsWith('drbdmeta')) continue;
      if (!/^drbdsetup(-8\d)?$/.test(name) || command === undefined) fail(`drbdadm -d adjust: unexpected line '${line}'`);
      const options: Record<string, string> = {};
      const targets: string[] = [];
      for (const word of rest) {
        const option = /^--([^=]+)(?:=(.*))?$/.exec(word);
        if (!option) targets.push(word);
        else if (option[1] !== 'set-defaults' && !option[1]!.startsWith('_')) options[option[1]!] = option[2] ?? 'yes';
      }
      steps.push({ command, targets, options, line });
    }
    return { ok: true, steps };
  });
}

/** What a step would do, in words (`connection to peer node-id 1: fencing=resource-only, protocol=C`). */
export function describeAdjustStep(step: AdjustStep, peerNames: Record<string, string> = {}): string {
  const settings = Object.entries(step.options)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  const peer = (id: string | undefined) =>
    id === undefined ? 'a peer' : peerNames[id] ? `${peerNames[id]} (node-id ${id})` : `peer node-id ${id}`;
  const [first, second, third] = step.targets;
  const what: Record<string, () => string> = {
    'resource-options': () => `resource options would be set: ${settings || 'back to defaults'}`,
    'net-options': () =>
      `network options for ${/^\d+$/.test(second ?? '') ? peer(second) : 'the peer'} would be set: ${settings || 'back to defaults'}`,
    'disk-options': () => `disk options of minor ${first} would be set: ${settings || 'back to defaults'}`,
    'peer-device-options': () => `resync options for ${peer(second)}, volume ${third} would be set: ${settings || 'back to defaults'}`,
    'new-peer': () => `a connection to ${peer(second)} would be created`,
    'del-peer': () => `the connection to ${peer(second)} would be deleted`,
    'new-path': () => `a network path to ${peer(second)} would be added`,
    'del-path': () => `a network path to ${peer(second)} would be removed`,
    connect: () => (second !== undefined && /^\d+$/.test(second) ? `${peer(second)} would be connected` : 'the peer would be connected'),
    disconnect: () => `${/^\d+$/.test(second ?? '') ? peer(second) : 'the peer'} would be disconnected`,
    attach: () => `minor ${first} would be attached to ${second}`,
    detach: () => `minor ${first} would be detached from its backing device`,
    'new-minor': () => `volume ${third} (minor ${second}) would be created`,
    'del-minor': () => `minor ${first} would be deleted`,
    'new-resource': () => 'the resource would be created (it is not running)',
    resize: () => `minor ${first} would be resized`,
  };
  return what[step.command]?.() ?? step.line;
}
