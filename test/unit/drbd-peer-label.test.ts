// How messages name a peer: DRBD 9 peers by their host names, DRBD 8.4's one peer, which has no
// name (its tools print the placeholder "peer"), as "the peer".
import t from 'tap';
import {
  type Connection,
  type DrbdState,
  describeDrbdState,
  foldEvents2Stream,
  monitorVerdictFor,
  parseEvents2,
  peerLabel,
  peerNameOf,
} from '../../lib/admin/drbd/index.js';
import { statusDocument } from '../../lib/admin/cli/drbd-report.js';

t.test('peerLabel', async (t) => {
  t.equal(peerLabel({ name: 'node2' }), 'node2');
  t.equal(peerLabel({ name: 'node2' }, { noun: true }), 'peer node2');
  t.equal(peerLabel({ name: 'peer', unnamed: true }), 'the peer');
  t.equal(peerLabel({ name: 'peer', unnamed: true }, { noun: true }), 'the peer', 'never "peer the peer"');
});

t.test('peerNameOf: DRBD 8.4 prints "peer" or nothing where DRBD 9 prints the host name', async (t) => {
  t.same(peerNameOf('node2'), { name: 'node2' });
  t.same(peerNameOf('peer'), { name: 'peer', unnamed: true });
  t.same(peerNameOf(undefined), { name: 'peer', unnamed: true });
});

t.test('events2: a connection created without conn-name (8.4, StandAlone) and named later', async (t) => {
  const standAlone = parseEvents2(
    [
      'exists resource name:r0 role:Primary suspended:no write-ordering:flush',
      'exists connection name:r0 peer-node-id:0 connection:StandAlone role:Unknown',
      'exists device name:r0 volume:0 minor:0 disk:UpToDate',
      'exists peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:Off peer-disk:DUnknown resync-suspended:no',
      'exists -',
    ].join('\n'),
  );
  t.match(standAlone, { ok: true, resources: [{ connections: [{ name: 'peer', unnamed: true, state: 'StandAlone' }] }] });

  // A DRBD 9 connection renamed in a stream: the marker follows the name it has now.
  const renamed = foldEvents2Stream(
    [
      'create resource name:r0 role:Secondary suspended:no',
      'create connection name:r0 peer-node-id:1 connection:StandAlone role:Unknown',
      'change connection name:r0 peer-node-id:1 conn-name:node2 connection:Connecting',
    ].join('\n'),
  );
  t.ok(renamed.ok);
  const connection = renamed.ok ? renamed.resources[0]!.connections[0]! : undefined;
  t.same(connection && { name: connection.name, unnamed: connection.unnamed }, { name: 'node2', unnamed: undefined });
});

function state(connection: Partial<Connection>, role: DrbdState['role'] = 'Secondary'): DrbdState {
  return {
    name: 'r0',
    role,
    suspended: [],
    volumes: [{ volume: 0, minor: 0, disk: 'UpToDate' }],
    connections: [
      {
        name: 'peer',
        unnamed: true,
        state: 'Connected',
        peerRole: 'Secondary',
        peerVolumes: [{ volume: 0, replication: 'Established', peerDisk: 'Outdated', resyncSuspended: [] }],
        ...connection,
      },
    ],
  };
}

t.test('every message with a peer in it reads naturally for both', async (t) => {
  const node2 = { name: 'node2', unnamed: undefined };
  t.same(describeDrbdState(state({})).findings, ['the peer disk is Outdated']);
  t.same(describeDrbdState(state(node2)).findings, ['peer node2 disk is Outdated']);
  t.same(describeDrbdState(state({ state: 'Connecting' })).findings, [
    'disconnected from the peer (Connecting); the peer disk is Outdated',
  ]);
  t.same(describeDrbdState(state({ ...node2, state: 'Connecting' })).findings, [
    'disconnected from node2 (Connecting); peer node2 disk is Outdated',
  ]);
  t.match(describeDrbdState(state({ peerRole: 'Primary' }, 'Primary')).findings, ['this node and the peer are both Primary']);
  t.match(describeDrbdState(state({ splitBrain: true, state: 'StandAlone' })).findings, [/^split brain with the peer: /]);
  t.same(monitorVerdictFor(state({ state: 'StandAlone' }), { degradedCodes: true }).degradations, ['the peer is StandAlone']);
  t.same(monitorVerdictFor(state({ ...node2, state: 'StandAlone' }), { degradedCodes: true }).degradations, ['node2 is StandAlone']);
});

t.test('the JSON document keeps DRBD\'s word: "peer" for the 8.4 peer', async (t) => {
  const document = statusDocument([state({ state: 'Connecting' })]);
  t.same(Object.keys(document.resources[0]!.peers[0]!), ['name', 'connection', 'role', 'volumes'], 'no new keys');
  t.equal(document.resources[0]!.peers[0]!.name, 'peer');
  t.match(document.resources[0]!.summary, /disconnected from the peer \(Connecting\)/, 'the words say "the peer"');
});
