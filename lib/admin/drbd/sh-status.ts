// `drbdadm sh-status <res>` / `drbdsetup sh-status` (DRBD 8.4): shell code meant for `eval`.
// Variable assignments, and after each volume's values the word `_sh_status_process`:
//
//   _res_name=r0
//   _volume=0
//   _known=NA # not available or not yet created
//   _cstate=SyncSource
//   _role=Primary
//   ...
//   _resynced_percent=56.3
//   _sh_status_process
//
// We never eval it: the words are split the way a POSIX shell (or Python's shlex) splits them,
// assignments are recorded, and `_sh_status_process` takes a snapshot of one volume. Anything a
// shell would run besides that marker is refused. drbd-utils 9 no longer has the command.

import { decimalOf, diskStateOf, fail, guarded, integerOf, parsedResources, roleOf } from '../../agent-runtime/drbd/fields.js';
import {
  type DrbdParseResult,
  type DrbdState,
  type ResyncSuspendReason,
  connectionStateOf84,
  peerNameOf,
} from '../../agent-runtime/drbd/model.js';

/** drbdadm writes this to stderr; captures that merge both streams carry it as a line. */
const IGNORED_NOTICE = 'This command will ignore resource names!';
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;

export function parseShStatus(text: string): DrbdParseResult {
  return guarded(() => {
    if (/Unknown command 'sh-status'/.test(text)) {
      fail('sh-status does not exist in this drbd-utils (DRBD 9); use drbdsetup events2 --now');
    }
    const shellText = text
      .split('\n')
      .filter((line) => line.trim() !== IGNORED_NOTICE)
      .join('\n');
    const variables = new Map<string, string>();
    const snapshots: Map<string, string>[] = [];
    for (const command of shellCommands(shellText)) {
      for (const word of command) {
        const assignment = ASSIGNMENT.exec(word);
        if (assignment) variables.set(assignment[1]!, assignment[2]!);
        else if (word === '_sh_status_process' && command.length === 1) snapshots.push(new Map(variables));
        else fail(`sh-status: unexpected shell command '${command.join(' ')}'`);
      }
    }
    if (snapshots.length === 0) fail('sh-status: no _sh_status_process marker: output incomplete');
    return parsedResources(resourcesOf(snapshots));
  });
}

function resourcesOf(snapshots: Map<string, string>[]): DrbdState[] {
  const resources = new Map<string, DrbdState>();
  for (const values of snapshots) {
    const get = (name: string) => values.get(name) ?? '';
    const cstate = get('_cstate');
    // A volume in the configuration file that the kernel does not know (yet).
    if (get('_res_name') === '' || cstate === 'Unconfigured') continue;
    const where = `sh-status ${get('_res_name')}/${get('_volume')}`;
    const states = connectionStateOf84(cstate) ?? fail(`${where}: unknown _cstate '${cstate}'`);
    const volume = integerOf(get('_volume') || '0', where);
    const role = roleOf(get('_role'), where);

    let resource = resources.get(get('_res_name'));
    if (!resource) {
      resource = { name: get('_res_name'), role, suspended: [], volumes: [], connections: [] };
      resources.set(resource.name, resource);
    }
    // 8.4 keeps a role per volume but changes all volumes of a resource together.
    if (role === 'Primary') resource.role = 'Primary';
    if (get('_flags_susp') !== '' && resource.suspended.length === 0) resource.suspended.push('unspecified');
    if (resource.volumes.some((known) => known.volume === volume)) fail(`${where}: volume reported twice`);
    resource.volumes.push({
      volume,
      ...(get('_minor') !== '' && { minor: integerOf(get('_minor'), where) }),
      disk: diskStateOf(get('_disk'), where),
    });

    let peer = resource.connections[0];
    if (!peer) {
      peer = { ...peerNameOf(undefined), state: states.connection, peerRole: roleOf(get('_peer') || 'Unknown', where), peerVolumes: [] };
      resource.connections.push(peer);
    }
    const resyncSuspended: ResyncSuspendReason[] = [];
    if (get('_flags_user_isp') !== '') resyncSuspended.push('user');
    if (get('_flags_peer_isp') !== '') resyncSuspended.push('peer');
    if (get('_flags_aftr_isp') !== '') resyncSuspended.push('dependency');
    const donePercent = get('_resynced_percent') === '' ? undefined : decimalOf(get('_resynced_percent'), where);
    peer.peerVolumes.push({
      volume,
      replication: states.replication,
      peerDisk: diskStateOf(get('_pdsk') || 'DUnknown', where),
      resyncSuspended,
      ...(donePercent !== undefined && { resyncDonePercent: donePercent }),
    });
  }
  return [...resources.values()];
}

/**
 * Splits shell text into commands (lists of words), with POSIX quoting: '...' literal, "..." with
 * backslash escapes, backslash outside quotes, # comments. Expansions and operators are refused:
 * sh-status never prints them, so their presence means the text is not sh-status output.
 */
function shellCommands(text: string): string[][] {
  const commands: string[][] = [];
  let command: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) command.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (command.length > 0) commands.push(command);
    command = [];
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\n') endCommand();
    else if (char === ' ' || char === '\t') endWord();
    else if (char === '#' && word === undefined) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (char === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) fail('sh-status: unterminated single quote');
      word = (word ?? '') + text.slice(i + 1, close);
      i = close;
    } else if (char === '"') {
      let quoted = '';
      for (i++; text[i] !== '"'; i++) {
        if (i >= text.length) fail('sh-status: unterminated double quote');
        if (text[i] === '$' || text[i] === '`') fail('sh-status: shell expansion in a double-quoted word');
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
          i++;
          if (text[i] !== '\n') quoted += text[i]; // backslash-newline continues the line
        } else {
          quoted += text[i];
        }
      }
      word = (word ?? '') + quoted;
    } else if (char === '\\') {
      if (i + 1 >= text.length) fail('sh-status: backslash at the end of the text');
      i++;
      if (text[i] !== '\n') word = (word ?? '') + text[i];
    } else if ('$`;&|<>(){}'.includes(char)) {
      fail(`sh-status: shell syntax '${char}' is not part of sh-status output`);
    } else {
      word = (word ?? '') + char;
    }
  }
  endCommand();
  return commands;
}
