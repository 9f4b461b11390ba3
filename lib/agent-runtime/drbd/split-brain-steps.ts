// The commands that resolve a DRBD split brain once someone has decided which side loses. The
// drbd agent names them in its exit reason; `ocfkit drbd status` and `ocfkit drbd split-brain`
// (lib/admin/drbd) print and run the same ones.

import type { DrbdState } from './model.js';

/** What to run, and where, to resolve a split brain: one side (the victim) discards its changes since the split. */
export interface SplitBrainSteps {
  /** On the victim, as one line for a shell. */
  victim: string;
  /** Then on the other node of the connection (the survivor), which keeps its data. */
  survivor: string;
  /** The same commands as argument vectors, in order (what `ocfkit drbd split-brain --execute` runs). */
  victimCommands: string[][];
  survivorCommands: string[][];
}

/**
 * The commands when node `victim` discards its changes since the split with node `survivor`.
 * With one peer they name the resource (the only form DRBD 8.4 knows). With several (DRBD 9)
 * they name the connection, `r0:node2`: there `drbdadm connect r0` fails while the node's other
 * connections are up ("(125) Device has a net-config (use disconnect first)"), and
 * `drbdadm disconnect r0` drops the healthy connections too. `secondary` is for the whole resource.
 * `disconnect` is for a connection that still tries to connect: on the StandAlone one a detected
 * split brain leaves, DRBD 8.4 refuses it (exit 10, "unknown connection"), harmless in the `;` line.
 * A victim diverged from several peers (node1 wrote alone while node2 wrote with node3) runs these
 * once per connection in split brain, each followed by its survivor's part: on real DRBD 9 that
 * left node1 connected and UpToDate everywhere without dropping node2<->node3
 * (test/fixtures/drbd-9-lab/README.md).
 * The agent's exit reason, `ocfkit drbd status` and `ocfkit drbd split-brain` all print (and run) these.
 */
export function splitBrainSteps(state: DrbdState, victim: string, survivor: string): SplitBrainSteps {
  const resource = state.name;
  const connectionTo = (peer: string) => (state.connections.length > 1 ? `${resource}:${peer}` : resource);
  const victimCommands = [
    ['drbdadm', 'disconnect', connectionTo(survivor)],
    ['drbdadm', 'secondary', resource],
    ['drbdadm', 'connect', '--discard-my-data', connectionTo(survivor)],
  ];
  const survivorCommands = [['drbdadm', 'connect', connectionTo(victim)]];
  const line = (commands: string[][]) => commands.map((argv) => argv.join(' ')).join('; ');
  return { victim: line(victimCommands), survivor: line(survivorCommands), victimCommands, survivorCommands };
}
