// A Pacemaker cluster in the qemu lab (test/vm/README.md): two nodes with real DRBD 8.4, or three
// with real DRBD 9 (quorum; or two with `nodes: 2`), under the file system, behind the same
// `Cluster` interface as the namespace cluster of test/cluster/nodes.ts: the scenarios of
// test/cluster/scenarios.ts, test/vm/cluster-*.test.ts and `make bench-failover` run on it unchanged.
//
//   node1, node2[, node3]
//                  qemu VMs; corosync (knet; two_node with two) + pacemakerd on eth0 (192.168.77.N),
//                  DRBD r0 (/dev/drbd1 on /dev/vda) replicating over eth1 (192.168.78.N), its own
//                  link, so that the replication link can fail without the cluster link
//   fencing        fence_vmlab (test-only, test/vm/cluster/fence_vmlab) asks the host, which
//                  SIGKILLs the target's qemu; killStack/powerOff do the same ("pull the plug")
//   the service    test/cluster/counter.mjs under ocf:heartbeat:anything, acknowledging into the
//                  VM's /ctl/acks (a host directory: readable after the VM died)
//   the client     test/cluster/probe.mjs in both VMs (the host cannot reach the VMs' private
//                  links), connecting to the VIP every 100 ms; its lines go to /ctl/probe.log
//   logs, alerts   corosync, pacemaker and alert.sh write into /ctl too
//
// The VMs have their own clocks. Each (re)boot sets a VM's clock from the host, and the remaining
// offset is measured every 15 s (the midpoint of a round trip); every time a VM reports (alert,
// probe) is moved onto the host's clock with it, so faults (host clock) and reactions compare.
//
// startVmCluster() returns when every node is online with a DC and DRBD has UpToDate data on
// every node (initial sync done, ext4 made, resource down again): ready for generateStack/loadStack.
import { seedCib } from '../../helpers/cib-seed.js';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  onlineWithDc,
  parseAlertsLog,
  parseCrmMon,
  parseProbeLine,
  pollStatus,
  readAcknowledged,
  SERVICE_PORT,
  STACK_NAME,
  type Cluster,
  type ClusterStatus,
  type ProbeSample,
  type RunOptions,
  type RunResult,
  type StackSite,
} from '../../cluster/nodes.js';
import { ADDRESS, ADDRESS1, DEVICE, Lab, LabError, NODE, PROJECT, RES, type NodeId } from '../lab.js';
import { setTimeout as sleep } from 'node:timers/promises';

export const MOUNT = '/srv/data';
export const VIP = '192.168.77.10';
const AGENTS = ['drbd', 'Filesystem', 'IPaddr2'];
const CLI = `${PROJECT}/dist/bin/ocfkit.mjs`;
const PROBE_PERIOD_MS = 100;

export interface VmClusterOptions {
  /** corosync totem token timeout; default 3000 ms (emulated VMs on a loaded machine need slack). */
  tokenMs?: number;
  /** 2 nodes with DRBD 8.4 (default), or 3 nodes with DRBD 9 and its quorum */
  drbd?: '8.4' | '9';
  /** How many nodes: default 2 with DRBD 8.4, 3 with DRBD 9; DRBD 9 also runs on 2 (two_node, no DRBD quorum). */
  nodes?: 2 | 3;
}

export interface VmCluster extends Cluster {
  lab: Lab;
  /** Fencing requests the host carried out, in order. */
  fences: { from: NodeId; action: string; target: string; at: number; rc: number }[];
  /** Each `drbdadm adjust` waitStorageWhole ran on a DRBD 9 connection given up as StandAlone. */
  reconnects: { node: NodeId; at: number; status: string }[];
  /** The DRBD resource file every node has (what `ocfkit crm generate --drbd-res` wrote). */
  drbdRes: string;
  /** The VM's clock minus the host's, in ms, as last measured. */
  clockOffsetMs(n: NodeId): number;
  /** Which DRBD the nodes run (8.4: two nodes; 9: three, or two). */
  drbd: '8.4' | '9';
}

function corosyncConf(nodeIds: readonly NodeId[], tokenMs: number): string {
  const nodes = nodeIds
    .map((n) => `    node {\n        name: node${n}\n        nodeid: ${n}\n        ring0_addr: ${ADDRESS[n]}\n    }\n`)
    .join('');
  // two_node (which implies wait_for_all) only where there are two: three nodes have a majority
  return `totem {
    version: 2
    cluster_name: ocfkitvm
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: ${tokenMs}
}
nodelist {
${nodes}}
quorum {
    provider: corosync_votequorum
${nodeIds.length === 2 ? '    two_node: 1\n' : ''}}
logging {
    to_logfile: yes
    logfile: /ctl/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: hires
}
`;
}

/** Where the stack goes: DRBD r0 replicating over eth1, ext4 on it, the VIP on eth0. */
function vmSite(nodes: readonly NodeId[], drbd: '8.4' | '9'): StackSite {
  const dataFile = `${MOUNT}/counter`;
  const service = [
    `binfile=${NODE}`,
    `cmdline_options=${PROJECT}/test/cluster/counter.mjs ${dataFile} /ctl/acks ${SERVICE_PORT} 100`,
    'logfile=/var/log/pacemaker/counter.log',
  ].join(',');
  return {
    generatorArgs: [
      '--name',
      STACK_NAME,
      ...nodes.flatMap((n) => ['--node', `node${n}@${ADDRESS1[n]}`]),
      '--drbd-resource',
      RES,
      '--device',
      DEVICE,
      '--disk',
      '/dev/vda',
      '--drbd-version',
      drbd,
      '--directory',
      MOUNT,
      '--fstype',
      'ext4',
      '--ip',
      `${VIP}/24`,
      '--nic',
      'eth0',
      '--service',
      `ocf:heartbeat:anything:${service}`,
      '--stonith',
      `fence_vmlab:pcmk_host_list=${nodes.map((n) => `node${n}`).join(' ')}`,
    ],
    mountPoint: MOUNT,
    dataFile,
    vip: VIP,
    prefixLength: 24,
    nic: 'eth0',
    drbdResource: RES,
  };
}

export async function startVmCluster(options: VmClusterOptions = {}): Promise<VmCluster> {
  const started = Date.now();
  const drbdVersion = options.drbd ?? '8.4';
  const nodeCount = options.nodes ?? (drbdVersion === '9' ? 3 : 2);
  if (drbdVersion === '8.4' && nodeCount !== 2) throw new Error('DRBD 8.4 replicates between two nodes: startVmCluster({ nodes: 2 })');
  // a longer token for three emulated VMs on two cores: a starved VM must not look dead
  const tokenMs = options.tokenMs ?? (nodeCount === 3 ? 5000 : 3000);
  const lab = await Lab.up(drbdVersion === '9' ? { nodes: nodeCount, drbd: '9' } : {});
  const NODES = lab.nodes;
  const asNode = (i: number): NodeId => {
    if (!NODES.includes(i as NodeId)) throw new Error(`the VM cluster has ${NODES.map((n) => `node${n}`).join(', ')}, not node${i}`);
    return i as NodeId;
  };
  const ctl = (n: NodeId, ...path: string[]) => join(lab.ctlDir(n), ...path);
  const offsets = new Map<NodeId, number>(NODES.map((n) => [n, 0]));
  const fences: VmCluster['fences'] = [];
  const reconnects: VmCluster['reconnects'] = [];
  const samples: ProbeSample[] = [];
  const probeRead = new Map<NodeId, number>(NODES.map((n) => [n, 0]));
  let drbdRes = '';
  let destroyed = false;

  const run = async (i: number, command: string, args: string[] = [], o: RunOptions = {}): Promise<RunResult> => {
    const n = asNode(i);
    if (!lab.alive(n)) return { exitCode: 255, stdout: '', stderr: `node${n} is powered off` };
    try {
      const r = await lab.exec(n, [command, ...args], {
        ...(o.input !== undefined ? { input: o.input } : {}),
        ...(o.env ? { env: o.env } : {}),
        // Generous: crmsh alone needs seconds in a TCG VM and a minute on a loaded host; a timeout here
        // only catches a hang, never the product being slow.
        timeout: Math.ceil((o.timeoutMs ?? 300_000) / 1000),
      });
      return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
    } catch (error) {
      if (error instanceof LabError) return { exitCode: 255, stdout: '', stderr: error.message };
      throw error;
    }
  };
  const runOk = async (i: number, command: string, args: string[] = [], o: RunOptions = {}): Promise<RunResult> => {
    const r = await run(i, command, args, o);
    if (r.exitCode === 124)
      throw new Error(
        `node${i}: ${command} ${args.join(' ')} did not finish within ${lab.scale((o.timeoutMs ?? 300_000) / 1000)} s\n${r.stdout}${r.stderr}`,
      );
    if (r.exitCode !== 0) throw new Error(`node${i}: ${command} ${args.join(' ')} exited ${r.exitCode}:\n${r.stdout}${r.stderr}`);
    return r;
  };
  /** A script that must succeed; `what` is the sentence a failure begins with. */
  const shOk = async (n: NodeId, script: string, timeout = 120, what = `a set-up script on node${n}`): Promise<string> => {
    const r = await lab.sh(n, script, { timeout });
    if (r.code === 124) throw new Error(`${what} did not finish within ${lab.scale(timeout)} s\n${script}\n${r.stdout}${r.stderr}`);
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code})\n${script}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  /**
   * drbdadm, tried up to three times, as an admin would on a slow node: under load its own
   * drbdsetup calls can exceed drbdadm's internal timeouts ("did not terminate within 5
   * seconds") although nothing is wrong. `undo` puts the resource back before the next try.
   */
  const retryDrbdadm = async (n: NodeId, args: string[], undo: string[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const r = await run(n, 'drbdadm', args, { timeoutMs: 120_000 });
      if (r.exitCode === 0) return;
      if (attempt === 3)
        throw new Error(`node${n}: drbdadm ${args.join(' ')} failed three times (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
      if (undo.length > 0) await run(n, 'drbdadm', undo, { timeoutMs: 120_000 });
      await sleep(2000);
    }
  };

  /** DRBD r0 as node n sees it: every connection Connected; its disk and every peer's UpToDate. */
  const drbdView = async (n: NodeId): Promise<{ connected: boolean; upToDate: boolean } | undefined> => {
    if (drbdVersion === '8.4') {
      const d = await lab.drbdState(n);
      return { connected: d.cstate === 'Connected', upToDate: d.dstate === 'UpToDate/UpToDate' };
    }
    const r = await lab.exec(n, ['drbdsetup', 'status', RES, '--json'], { timeout: 30 });
    if (r.code !== 0) return undefined;
    type Json = {
      devices: { 'disk-state': string }[];
      connections: { 'connection-state': string; peer_devices: { 'peer-disk-state': string }[] }[];
    }[];
    const [res] = JSON.parse(r.stdout) as Json;
    if (!res) return undefined;
    const connected = res.connections.length === NODES.length - 1 && res.connections.every((c) => c['connection-state'] === 'Connected');
    const upToDate =
      res.devices.every((d) => d['disk-state'] === 'UpToDate') &&
      res.connections.every((c) => c.peer_devices.every((p) => p['peer-disk-state'] === 'UpToDate'));
    return { connected, upToDate };
  };
  /**
   * DRBD 9.2.19 sometimes gives up a connection (StandAlone, no split brain) while two peers resync
   * a rejoining node at once, and never connects it again by itself; an admin's `drbdadm adjust`
   * does. A split brain is left alone: it is for the test to see.
   */
  const reconnectGivenUp = async (adjustedAt: Map<NodeId, number>): Promise<void> => {
    for (const n of NODES) {
      if (Date.now() - (adjustedAt.get(n) ?? 0) < 20_000) continue;
      const status = await lab.exec(n, ['drbdsetup', 'status', RES], { timeout: 30 });
      if (!/connection:StandAlone/.test(status.stdout)) continue;
      if (/Split-Brain detected/.test((await lab.exec(n, ['dmesg'], { timeout: 30 })).stdout)) continue;
      await lab.exec(n, ['drbdadm', 'adjust', RES], { timeout: 60 });
      adjustedAt.set(n, Date.now());
      reconnects.push({ node: n, at: Date.now(), status: status.stdout });
    }
  };
  const storageWhole = async (n: NodeId): Promise<boolean> => {
    const v = await drbdView(n).catch(() => undefined);
    return !!v && v.connected && v.upToDate;
  };

  // ---------------------------------------------------------------- clocks
  /** Sets VM n's clock from ours, then measures what is left (best of three round trips). */
  const measureOffset = async (n: NodeId): Promise<void> => {
    let best: { rtt: number; offset: number } | undefined;
    for (let k = 0; k < 3; k++) {
      const before = Date.now();
      const r = await lab.sh(n, 'date +%s%3N', { timeout: 10 });
      const after = Date.now();
      const guest = Number(r.stdout.trim());
      if (r.code !== 0 || !Number.isFinite(guest)) continue;
      const sample = { rtt: after - before, offset: guest - (before + after) / 2 };
      if (!best || sample.rtt < best.rtt) best = sample;
    }
    if (best) offsets.set(n, best.offset);
    // The host's load changes while a test runs: a slow round trip raises the slowness that
    // scales every wait (never below what the boot measured).
    if (best) lab.noteRoundTrip(best.rtt);
  };
  const setClock = async (n: NodeId): Promise<void> => {
    await lab.sh(n, `date -s @${(Date.now() / 1000).toFixed(3)} > /dev/null`, { timeout: 10 });
    await measureOffset(n);
  };
  let measuring = false;
  const clockTimer = setInterval(() => {
    if (measuring || destroyed) return;
    measuring = true;
    void Promise.all(NODES.filter((n) => lab.alive(n)).map((n) => measureOffset(n).catch(() => undefined))).finally(() => {
      measuring = false;
    });
  }, 15_000);
  clockTimer.unref();

  // ---------------------------------------------------------------- the host side of fence_vmlab
  const killVm = (n: NodeId): number => {
    const at = Date.now();
    const pid = lab.qemuPid(n);
    if (pid)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    return at;
  };
  const waitDead = async (n: NodeId) => {
    for (let k = 0; k < 100 && lab.alive(n); k++) await sleep(50);
    if (lab.alive(n)) throw new Error(`qemu of node${n} survived SIGKILL`);
  };
  const answered = new Set<string>();
  let fencing = false;
  const fenceTimer = setInterval(() => {
    if (fencing || destroyed) return;
    fencing = true;
    void (async () => {
      for (const from of NODES) {
        const dir = ctl(from, 'fence');
        let files: string[] = [];
        try {
          files = readdirSync(dir).filter((f) => f.endsWith('.req'));
        } catch {
          continue;
        }
        for (const f of files) {
          if (answered.has(`${from}/${f}`)) continue;
          answered.add(`${from}/${f}`);
          const [action = '', target = ''] = readFileSync(join(dir, f), 'utf8').trim().split(/\s+/);
          const m = /^node([1-9])$/.exec(target);
          let rc = 1;
          if (m && NODES.includes(Number(m[1]) as NodeId) && (action === 'off' || action === 'reboot')) {
            const victim = Number(m[1]) as NodeId;
            killVm(victim);
            rc = await waitDead(victim).then(
              () => 0,
              () => 1,
            );
          }
          fences.push({ from, action, target, at: Date.now(), rc });
          const id = f.slice(0, -'.req'.length);
          writeFileSync(join(dir, `${id}.tmp`), `${rc}\n`);
          renameSync(join(dir, `${id}.tmp`), join(dir, `${id}.done`));
        }
      }
    })().finally(() => {
      fencing = false;
    });
  }, 100);

  // ---------------------------------------------------------------- a node's installation and boot
  /** What a node's disk would hold: agents, fence agent, configuration, seed CIB, log files. */
  const install = async (n: NodeId): Promise<void> => {
    await lab.writeFile(n, '/etc/corosync/corosync.conf', corosyncConf(NODES, tokenMs));
    await lab.writeFile(n, '/root/cib.seed', seedCib());
    if (drbdRes) await lab.writeFile(n, `/etc/drbd.d/${RES}.res`, drbdRes);
    await shOk(
      n,
      `set -e
      mkdir -p /usr/lib/ocf/resource.d/ocfkit /var/log/corosync /var/log/pacemaker ${MOUNT} /ctl/acks /ctl/fence
      rm -f /usr/lib/ocf/resource.d/ocfkit/*
      for a in ${AGENTS.join(' ')}; do cp ${PROJECT}/dist/agents/$a /usr/lib/ocf/resource.d/ocfkit/$a; done
      install -m 0755 ${PROJECT}/test/vm/cluster/fence_vmlab /usr/sbin/fence_vmlab
      chown hacluster:haclient /var/log/pacemaker
      rm -rf /var/lib/pacemaker/cib/* /var/lib/pacemaker/pengine/*
      mkdir -p /var/lib/pacemaker/cib
      cat /root/cib.seed > /var/lib/pacemaker/cib/cib.xml
      chown -R hacluster:haclient /var/lib/pacemaker/cib; chmod 0600 /var/lib/pacemaker/cib/cib.xml
      for f in corosync.log pacemaker.log alerts.log probe.log; do touch /ctl/$f; chmod 0666 /ctl/$f; done
      chmod 0777 /ctl/acks`,
      120,
      `installing node${n} (agents, configuration, seed CIB)`,
    );
  };
  /** corosync, then pacemakerd once corosync answers, and the probe. */
  const startServices = async (n: NodeId): Promise<void> => {
    await shOk(n, 'setsid nohup corosync -f >> /ctl/corosync.out 2>&1 < /dev/null & echo started', 120, `starting corosync on node${n}`);
    // On progress, not on a fixed clock: under load corosync needs a minute to answer in a VM.
    await lab.waitFor(
      `corosync answering on node${n} (see /ctl/corosync.log)`,
      async () => (await lab.sh(n, 'corosync-cmapctl -g runtime.votequorum.this_node_id', { timeout: 60 })).code === 0,
      180,
      1,
    );
    await shOk(
      n,
      `set -e
      PCMK_logfile=/ctl/pacemaker.log setsid nohup pacemakerd >> /ctl/pacemakerd.out 2>&1 < /dev/null &
      setsid nohup ${NODE} ${PROJECT}/test/cluster/probe.mjs ${VIP} ${SERVICE_PORT} ${PROBE_PERIOD_MS} >> /ctl/probe.log 2> /dev/null < /dev/null &
      echo started`,
      120,
      `starting pacemakerd and the probe on node${n}`,
    );
  };

  // ---------------------------------------------------------------- what the VMs report
  const tail = (label: string, path: string, lines: number) =>
    existsSync(path)
      ? `--- ${label} (last ${lines} lines)\n${readFileSync(path, 'utf8')
          .split('\n')
          .slice(-lines - 1)
          .join('\n')}`
      : '';
  const logs = (lines = 40): string =>
    [
      ...NODES.flatMap((n) => [
        tail(`node${n} corosync.log`, ctl(n, 'corosync.log'), lines),
        tail(`node${n} pacemaker.log`, ctl(n, 'pacemaker.log'), lines),
      ]),
      `--- fencing: ${JSON.stringify(fences)}`,
    ]
      .filter(Boolean)
      .join('\n');
  const readSamples = (): ProbeSample[] => {
    for (const n of NODES) {
      const path = ctl(n, 'probe.log');
      if (!existsSync(path)) continue;
      const text = readFileSync(path).subarray(probeRead.get(n)).toString();
      const end = text.lastIndexOf('\n') + 1;
      probeRead.set(n, probeRead.get(n)! + Buffer.byteLength(text.slice(0, end)));
      for (const line of text.slice(0, end).split('\n')) {
        const sample = parseProbeLine(line, offsets.get(n));
        if (sample) samples.push(sample);
      }
    }
    samples.sort((a, b) => a.time - b.time);
    if (samples.length > 200_000) samples.splice(0, 100_000);
    return samples;
  };

  const status = async (i: number): Promise<ClusterStatus | undefined> => {
    const r = await run(i, 'crm_mon', ['-1', '--output-as=xml'], { timeoutMs: 30_000 });
    if (r.exitCode !== 0 || !r.stdout.includes('<pacemaker-result')) return undefined;
    try {
      return parseCrmMon(r.stdout);
    } catch {
      return undefined;
    }
  };
  // Every wait scales with how slow the host runs the VMs right now (Lab.slowness).
  const waitForStatus = (i: number, what: string, predicate: (s: ClusterStatus) => boolean, timeoutMs = 120_000) =>
    pollStatus(
      () => status(i),
      `${what} (on node${i})`,
      predicate,
      timeoutMs * lab.slowness,
      async () => {
        const mon = await run(i, 'crm_mon', ['-1', '-f', '-r'], { timeoutMs: 30_000 });
        return `${mon.stdout}${mon.stderr}\n${logs()}`;
      },
    );
  const waitOnline = async (observer: number, nodes: number[], timeoutMs = 180_000): Promise<void> => {
    await waitForStatus(observer, `${nodes.map((n) => `node${n}`).join(', ')} online with a DC and quorum`, onlineWithDc(nodes), timeoutMs);
  };

  const cluster: VmCluster = {
    id: `vm-${lab.dir.split('/').pop()}`,
    dir: lab.dir,
    size: NODES.length,
    tokenMs,
    nodeNames: NODES.map((n) => `node${n}`),
    startupMs: 0,
    lab,
    fences,
    reconnects,
    get drbdRes() {
      return drbdRes;
    },
    drbd: drbdVersion,
    clockOffsetMs: (n) => offsets.get(n)!,
    run,
    runOk,
    status,
    waitForStatus,
    waitOnline,
    isUp: (i) => lab.alive(asNode(i)),
    killStack: (i) => killVm(asNode(i)),
    powerOff: (i) => killVm(asNode(i)),
    async startNode(i) {
      const n = asNode(i);
      if (lab.alive(n)) throw new Error(`node${n} is still running: power it off first`);
      await lab.boot(n);
      await setClock(n);
      await install(n);
      await startServices(n);
    },
    async waitStorageWhole(timeoutMs = 240_000) {
      const whole = async () => (await Promise.all(NODES.map((n) => storageWhole(n)))).every(Boolean);
      const deadline = Date.now() + timeoutMs * lab.slowness;
      const adjustedAt = new Map<NodeId, number>();
      while (!(await whole())) {
        if (drbdVersion === '9') await reconnectGivenUp(adjustedAt);
        if (Date.now() > deadline) {
          const seen = await Promise.all(
            NODES.map((n) =>
              lab
                .sh(
                  n,
                  `${drbdVersion === '9' ? `drbdsetup status --verbose ${RES}` : 'cat /proc/drbd'}; ss -tan | grep 7789; dmesg | grep -i drbd | tail -n 15`,
                  { timeout: 30 },
                )
                .then(
                  (r) => `--- node${n}\n${r.stdout}${r.stderr}`,
                  (e: Error) => `--- node${n}: ${e.message}`,
                ),
            ),
          );
          throw new Error(`DRBD ${RES} not Connected + UpToDate on every node after ${timeoutMs} ms:\n${seen.join('\n')}`);
        }
        await sleep(1000);
      }
    },
    alerts: () =>
      NODES.flatMap((n) =>
        existsSync(ctl(n, 'alerts.log'))
          ? parseAlertsLog(readFileSync(ctl(n, 'alerts.log'), 'utf8'), (reporter) => offsets.get(asNode(Number(reporter.slice(4)) || 1))!)
          : [],
      ),
    async configureAlerts() {
      await runOk(1, 'cibadmin', [
        '--create',
        '-o',
        'configuration',
        '-X',
        `<alerts><alert id="ocfk-events" path="${PROJECT}/test/cluster/alert.sh"><recipient id="ocfk-events-log" value="/ctl/alerts.log"/></alert></alerts>`,
      ]);
    },
    samples: readSamples,
    fenceLog: () => fences.map((f) => `${(f.at / 1000).toFixed(3)} host ${f.action} ${f.target}: rc=${f.rc} (asked by node${f.from})`),
    acknowledged: () => readAcknowledged(NODES.map((n) => ctl(n, 'acks'))),
    logs,
    site: () => ({ ...vmSite(NODES, drbdVersion), opTimeoutFactor: lab.slowness }),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      clearInterval(clockTimer);
      clearInterval(fenceTimer);
      await lab.down();
    },
  };

  try {
    await Promise.all(
      NODES.map(async (n) => {
        await setClock(n);
        await install(n);
      }),
    );
    // The DRBD resource file comes from the generator, as an admin would get it (plus the lab's
    // fixed fast resync rate, for test speed only).
    const generated = await runOk(
      1,
      NODE,
      [CLI, 'crm', 'generate', ...vmSite(NODES, drbdVersion).generatorArgs, '--drbd-res', `/root/${RES}.res`],
      { timeoutMs: 120_000 },
    );
    if (!/^primitive drbd-r0 /m.test(generated.stdout)) throw new Error(`unexpected generator output:\n${generated.stdout}`);
    const res = (await runOk(1, 'cat', [`/root/${RES}.res`])).stdout;
    if (drbdVersion === '8.4' && !res.includes('fencing resource-only;'))
      throw new Error(`no "fencing resource-only;" in the generated ${RES}.res:\n${res}`);
    // 8.4 keeps fencing in the disk section, DRBD 9 in net: the resync settings go into disk
    drbdRes =
      drbdVersion === '8.4'
        ? res.replace(/fencing resource-only;/, 'fencing resource-only;\n    c-plan-ahead 0;\n    resync-rate 100M;')
        : res.replace(/^( *)net \{/m, '$1disk { c-plan-ahead 0; resync-rate 100M; }\n$1net {');
    if (drbdRes === res) throw new Error(`cannot add the lab's resync rate to the generated ${RES}.res:\n${res}`);
    await Promise.all(NODES.map((n) => lab.writeFile(n, `/etc/drbd.d/${RES}.res`, drbdRes)));

    // Initial sync + mkfs while corosync and pacemaker come up.
    const drbd = (async () => {
      await Promise.all(NODES.map((n) => retryDrbdadm(n, ['create-md', '--force', RES], [])));
      await Promise.all(NODES.map((n) => retryDrbdadm(n, ['up', RES], ['down', RES])));
      await lab.waitFor('DRBD Connected', async () => (await drbdView(1))?.connected, 90, 0.5);
      await runOk(1, 'drbdadm', ['primary', '--force', RES]);
      await lab.waitFor('UpToDate on every node', () => storageWhole(1), 240, 1);
      await runOk(1, 'mkfs.ext4', ['-q', '-F', DEVICE], { timeoutMs: 120_000 });
      await runOk(1, 'drbdadm', ['secondary', RES]);
      await Promise.all(NODES.map((n) => runOk(n, 'drbdadm', ['down', RES])));
    })();
    const pacemaker = (async () => {
      await Promise.all(NODES.map(startServices));
      await waitOnline(1, [...NODES]);
    })();
    const results = await Promise.allSettled([drbd, pacemaker]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  cluster.startupMs = Date.now() - started;
  return cluster;
}
