// `drbdadm role|cstate|dstate <res>`: one fact per line, without names, so each parser returns
// only that fact, line by line, not a DrbdState.
//
//                     DRBD 8.4 (one line per volume)   DRBD 9
//   drbdadm role      Secondary/Primary                Secondary                (one line)
//   drbdadm cstate    SyncSource                       Connected                (one line per connection,
//                                                                                in config order)
//   drbdadm dstate    UpToDate/Inconsistent            UpToDate/DUnknown/UpToDate (one line per volume;
//                                                      peers in kernel order, which is not the
//                                                      order of cstate: the two cannot be paired)
//
// When the resource is not configured, role and cstate fail with a message that says so; the
// parsers report that as an empty list. dstate then still reads the on-disk metadata.

import { diskStateOf, fail, guarded, roleOf } from '../../agent-runtime/drbd/fields.js';
import {
  type ConnectionState,
  type DiskState,
  type Parsed,
  type ReplicationState,
  type Role,
  connectionStateOf84,
  isConnectionState,
} from '../../agent-runtime/drbd/model.js';

export interface RoleReport {
  role: Role;
  /** DRBD 8.4 only. */
  peerRole?: Role;
}

export interface CstateReport {
  connection: ConnectionState;
  /** Set when the word is an 8.4 replication state (`SyncSource`, or `Connected` meaning Established). */
  replication?: ReplicationState;
}

export interface DstateReport {
  disk: DiskState;
  peerDisks: DiskState[];
}

const NOT_CONFIGURED = /Device minor not allocated|Unknown resource|No such resource/;

export function parseDrbdadmRole(text: string): Parsed<{ roles: RoleReport[] }> {
  return guarded(() => {
    if (NOT_CONFIGURED.test(text)) return { ok: true, roles: [] };
    const roles = reportLines(text, 'drbdadm role').map((line): RoleReport => {
      const [role, peerRole, ...rest] = line.split('/');
      if (rest.length > 0) fail(`drbdadm role: unexpected line '${line}'`);
      const report: RoleReport = { role: roleOf(role!, 'drbdadm role') };
      if (peerRole !== undefined) report.peerRole = roleOf(peerRole, 'drbdadm role');
      return report;
    });
    return { ok: true, roles };
  });
}

export function parseDrbdadmCstate(text: string): Parsed<{ connections: CstateReport[] }> {
  return guarded(() => {
    if (NOT_CONFIGURED.test(text)) return { ok: true, connections: [] };
    const connections = reportLines(text, 'drbdadm cstate').map((word): CstateReport => {
      // DRBD 9 prints connection states only; DRBD 8.4 also replication states and WF* waits.
      if (isConnectionState(word)) return { connection: word };
      const states = connectionStateOf84(word) ?? fail(`drbdadm cstate: unknown state '${word}'`);
      return states.replication === 'Off' ? { connection: states.connection } : { ...states };
    });
    return { ok: true, connections };
  });
}

export function parseDrbdadmDstate(text: string): Parsed<{ volumes: DstateReport[] }> {
  return guarded(() => {
    if (/No valid meta data found/.test(text)) fail('drbdadm dstate: no valid DRBD metadata on the backing device');
    const volumes = reportLines(text, 'drbdadm dstate').map((line): DstateReport => {
      const [disk, ...peerDisks] = line.split('/').map((state) => diskStateOf(state, 'drbdadm dstate'));
      return { disk: disk!, peerDisks };
    });
    return { ok: true, volumes };
  });
}

/** The non-empty lines; each must be a single word. */
function reportLines(text: string, command: string): string[] {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) fail(`${command}: no output`);
  for (const line of lines) {
    if (/\s/.test(line)) fail(`${command}: unexpected line '${line}'`);
  }
  return lines;
}
