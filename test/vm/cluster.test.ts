// A real two-node Pacemaker cluster in the qemu lab (test/vm/README.md): corosync + pacemaker in
// both VMs, real DRBD 8.4, our agents ocf:ocfkit:drbd/Filesystem/IPaddr2 loaded from the
// configuration `ocfkit crm generate --provider ocfkit` prints, and a failover when the VM that
// runs the stack is killed.
//
//   1. install: agents in /usr/lib/ocf/resource.d/ocfkit, the test fence agent fence_vmlab,
//      corosync.conf (two_node, token 3000 ms), a seeded CIB (dc-deadtime=2s);
//   2. `ocfkit crm generate` (run in node1, where fence_vmlab's meta-data can be read) writes the
//      crmsh block (DRBD r0 promotable clone + ext4 Filesystem + IPaddr2 VIP + the fence device,
//      stonith-enabled=true) and the DRBD resource file (fencing resource-only with
//      crm-fence-peer.sh), which replaces the lab's r0.res (plus the lab's fast resync options);
//   3. DRBD meta data + initial sync by hand (create-md, up, primary --force, UpToDate/UpToDate,
//      mkfs.ext4, secondary, down) while corosync + pacemaker start;
//   4. `crm configure load update`; asserts: DRBD Promoted on one node and Unpromoted on the other,
//      the file system mounted and the VIP up there (crm_mon XML + drbdadm role + findmnt + ip -j);
//   5. a file written + fsynced on the file system, then the active VM's qemu is SIGKILLed from the
//      host; asserts: the survivor fences it (fence_vmlab -> the host, which confirms it is gone),
//      DRBD's fence-peer handler puts its constraint in, the survivor is Primary, mounts, has the
//      VIP, and the file is there with its content.
//
// Fencing is real, not stonith-enabled=false: fence_vmlab (test/vm/cluster/fence_vmlab) writes a
// request into its VM's /ctl, this process kills the target's qemu (if it still runs) and answers.
import { seedCib } from '../helpers/cib-seed.js';
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, NODE, NODES, PROJECT, RES, DEVICE, ADDRESS, vmLabReady, type NodeId } from './lab.js';
import { parseCrmMon, summary, where, type MonStatus } from './cluster/crm-mon.js';

const AGENTS = ['drbd', 'Filesystem', 'IPaddr2'];
const FENCE_AGENT = `${PROJECT}/test/vm/cluster/fence_vmlab`;
const CLI = `${PROJECT}/dist/bin/ocfkit.mjs`;
const MOUNT = '/srv/data';
const VIP = '192.168.77.10';
const PROOF = `${MOUNT}/proof.txt`;
const name = (n: NodeId) => `node${n}`;
const other = (n: NodeId): NodeId => (n === 1 ? 2 : 1);

const COROSYNC_CONF = `totem {
    version: 2
    cluster_name: ocfkitvm
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 3000
}
nodelist {
    node {
        name: node1
        nodeid: 1
        ring0_addr: ${ADDRESS[1]}
    }
    node {
        name: node2
        nodeid: 2
        ring0_addr: ${ADDRESS[2]}
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
`;


const missing = [...AGENTS.map((a) => `${PROJECT}/dist/agents/${a}`), CLI].filter((f) => !existsSync(f));
if (missing.length > 0) t.fail(`missing: ${missing.join(', ')}: build first (node scripts/build.mjs)`);
else if (vmLabReady(t)) await main();

async function main(): Promise<void> {
  const t0 = Date.now();
  const secs = (since = t0) => ((Date.now() - since) / 1000).toFixed(1);
  const lab = await Lab.up();
  t.teardown(() => lab.down());
  t.comment(`lab up in ${secs()}s: ${lab.dir}`);
  const both = <T>(fn: (n: NodeId) => Promise<T>) => Promise.all(NODES.map(fn));
  const dead = new Set<NodeId>();

  // ------------------------------------------------------------ the host side of fence_vmlab
  const qemuPid = (n: NodeId) => Number(readFileSync(join(lab.dir, name(n), 'qemu.pid'), 'utf8').trim());
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  /** SIGKILL VM n's qemu and wait until it is gone. */
  const killVm = async (n: NodeId) => {
    const pid = qemuPid(n);
    dead.add(n);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) throw new Error(`qemu of node${n} (pid ${pid}) survived SIGKILL`);
  };
  const fences: { from: NodeId; action: string; target: string; at: number; rc: number }[] = [];
  const seen = new Set<string>();
  let fenceBusy = false;
  const fenceWatch = setInterval(() => {
    if (fenceBusy) return;
    fenceBusy = true;
    void (async () => {
      for (const from of NODES) {
        const dir = join(lab.ctlDir(from), 'fence');
        let files: string[] = [];
        try { files = readdirSync(dir).filter((f) => f.endsWith('.req')); } catch { continue; }
        for (const f of files) {
          const key = `${from}/${f}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const [action = '', target = ''] = readFileSync(join(dir, f), 'utf8').trim().split(/\s+/);
          const m = /^node([12])$/.exec(target);
          let rc = 1;
          if (m && (action === 'off' || action === 'reboot')) {
            try { await killVm(Number(m[1]) as NodeId); rc = 0; } catch { rc = 1; }
          }
          fences.push({ from, action, target, at: Date.now(), rc });
          const id = f.slice(0, -'.req'.length);
          writeFileSync(join(dir, `${id}.tmp`), `${rc}\n`);
          renameSync(join(dir, `${id}.tmp`), join(dir, `${id}.done`));
        }
      }
    })().finally(() => { fenceBusy = false; });
  }, 200);
  t.teardown(() => clearInterval(fenceWatch));

  // ------------------------------------------------------------ helpers
  const mon = async (n: NodeId): Promise<MonStatus | undefined> => {
    const r = await lab.exec(n, ['crm_mon', '-1', '--output-as=xml'], { timeout: 30 });
    return r.code === 0 ? parseCrmMon(r.stdout) : undefined;
  };
  let lastMon = '';
  /** Poll crm_mon on node n until ok(status) holds. */
  const waitMon = async (n: NodeId, what: string, ok: (s: MonStatus) => boolean, timeout: number): Promise<MonStatus> => {
    try {
      return (await lab.waitFor<MonStatus | undefined>(what, async () => {
        const s = await mon(n);
        if (s) lastMon = summary(s);
        return s && ok(s) ? s : undefined;
      }, timeout, 1))!;
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlast crm_mon on node${n}: ${lastMon}`);
    }
  };
  const diag = async (n: NodeId) => {
    if (dead.has(n)) return;
    const r = await lab.sh(n, `crm_mon -1 -r -f 2>&1 | tail -40; echo ---; cat /proc/drbd; echo ---; tail -n 40 /var/log/pacemaker/pacemaker.log 2>/dev/null | cut -c1-300; cat /var/log/fence_vmlab.log 2>/dev/null`, { timeout: 60 }).catch((e) => ({ stdout: String(e), stderr: '' }));
    t.comment(`node${n} diagnostics:\n${r.stdout}${r.stderr}`);
  };

  let broken = '';
  const step = (title: string, fn: (t: Test) => Promise<void>) =>
    t.test(title, async (t) => {
      if (broken) return void t.plan(0, `skipped after the failed step "${broken}"`);
      const s = Date.now();
      try {
        await fn(t);
      } catch (e) {
        broken = title;
        await both(diag);
        throw e;
      } finally {
        t.comment(`step took ${secs(s)}s (total ${secs()}s)`);
      }
      if (!t.passing()) { broken = title; await both(diag); }
    });

  let crm = '';
  let active: NodeId = 1;

  await step('install agents, fence agent, corosync.conf, seed CIB', async (t) => {
    const setup = `set -e
      mkdir -p /usr/lib/ocf/resource.d/ocfkit /var/log/corosync /var/log/pacemaker ${MOUNT}
      rm -f /usr/lib/ocf/resource.d/ocfkit/*
      for a in ${AGENTS.join(' ')}; do cp ${PROJECT}/dist/agents/$a /usr/lib/ocf/resource.d/ocfkit/$a; done
      install -m 0755 ${FENCE_AGENT} /usr/sbin/fence_vmlab
      chown hacluster:haclient /var/log/pacemaker
      rm -rf /var/lib/pacemaker/cib/* /var/lib/pacemaker/pengine/* /var/lib/pacemaker/blackbox/*
      mkdir -p /var/lib/pacemaker/cib
      cat /root/cib.seed > /var/lib/pacemaker/cib/cib.xml
      chown -R hacluster:haclient /var/lib/pacemaker/cib; chmod 0600 /var/lib/pacemaker/cib/cib.xml
      echo ok`;
    await both(async (n) => {
      await lab.writeFile(n, '/etc/corosync/corosync.conf', COROSYNC_CONF);
      await lab.writeFile(n, '/root/cib.seed', seedCib());
      const r = await lab.sh(n, setup, { timeout: 60 });
      t.equal(r.code, 0, `node${n}: installed${r.code ? `: ${r.stderr}` : ''}`);
    });
  });

  await step('ocfkit crm generate --provider ocfkit (in node1)', async (t) => {
    const args = [
      NODE, CLI, 'crm', 'generate', '--provider', 'ocfkit',
      '--node', `node1@${ADDRESS[1]}`, '--node', `node2@${ADDRESS[2]}`,
      '--drbd-resource', RES, '--device', DEVICE, '--disk', '/dev/vda', '--drbd-version', '8.4',
      '--directory', MOUNT, '--fstype', 'ext4', '--ip', `${VIP}/24`, '--nic', 'eth0',
      '--stonith', 'fence_vmlab:pcmk_host_list=node1 node2',
      '--drbd-res', '/root/r0.res',
    ];
    const r = await lab.exec(1, args, { timeout: 120 });
    t.equal(r.code, 0, `generator exit code${r.code ? `: ${r.stderr}` : ''}`);
    crm = r.stdout;
    t.comment(`generated:\n${crm}`);
    t.match(crm, /^primitive drbd-r0 ocf:ocfkit:drbd /m, 'DRBD with our agent');
    t.match(crm, /^primitive fs-r0 ocf:ocfkit:Filesystem /m, 'Filesystem with our agent');
    t.match(crm, /^primitive vip-r0 ocf:ocfkit:IPaddr2 /m, 'IPaddr2 with our agent');
    t.match(crm, /stonith:fence_vmlab/, 'the fence device');
    const res = await lab.ok(1, ['cat', '/root/r0.res']);
    t.match(res, /fencing resource-only;/, 'r0.res: fencing resource-only');
    t.match(res, /fence-peer "\/usr\/lib\/drbd\/crm-fence-peer\.sh";/, 'r0.res: crm-fence-peer.sh');
    // the lab's fast fixed-rate resync (test speed only), as in its own r0.res
    const fast = res.replace(/fencing resource-only;/, 'fencing resource-only;\n    c-plan-ahead 0;\n    resync-rate 100M;');
    t.not(fast, res, 'resync options added');
    await both((n) => lab.writeFile(n, `/etc/drbd.d/${RES}.res`, fast));
    await lab.writeFile(1, '/root/stack.crm', crm);
  });

  await step('DRBD initial sync + mkfs while corosync and pacemaker start', async (t) => {
    const cluster = (async () => {
      const s = Date.now();
      await both((n) => lab.sh(n, 'setsid nohup corosync -f > /var/log/corosync/stdout.log 2>&1 < /dev/null & echo started'));
      await lab.waitFor('corosync: 2 votes', async () =>
        (await lab.sh(1, 'corosync-quorumtool -s | grep -Eq "Total votes: +2"')).code === 0, 120, 1);
      t.comment(`corosync membership (2 votes) after ${secs(s)}s`);
      await both((n) => lab.sh(n, 'setsid nohup pacemakerd > /var/log/pacemaker/pacemakerd.out 2>&1 < /dev/null & echo started'));
      await waitMon(1, 'both nodes online', (m) => m.nodes.get('node1') === true && m.nodes.get('node2') === true && m.dc !== '', 180);
      t.comment(`pacemaker: both online after ${secs(s)}s`);
    })();
    const drbd = (async () => {
      const s = Date.now();
      for (const r of await both((n) => lab.exec(n, ['drbdadm', 'create-md', '--force', RES], { timeout: 60 })))
        t.equal(r.code, 0, `create-md${r.code ? `: ${r.stderr}` : ''}`);
      for (const r of await both((n) => lab.exec(n, ['drbdadm', 'up', RES], { timeout: 60 })))
        t.equal(r.code, 0, `up${r.code ? `: ${r.stderr}` : ''}`);
      await lab.waitFor('Connected', async () => (await lab.drbdState(1)).cstate === 'Connected', 60, 1);
      await lab.ok(1, ['drbdadm', 'primary', '--force', RES]);
      await lab.waitFor('UpToDate/UpToDate', async () => (await lab.drbdState(1)).dstate === 'UpToDate/UpToDate', 180, 1);
      t.comment(`DRBD synced after ${secs(s)}s`);
      await lab.ok(1, ['mkfs.ext4', '-q', '-F', DEVICE], { timeout: 120 });
      await lab.ok(1, ['drbdadm', 'secondary', RES]);
      for (const r of await both((n) => lab.exec(n, ['drbdadm', 'down', RES], { timeout: 60 })))
        t.equal(r.code, 0, `down${r.code ? `: ${r.stderr}` : ''}`);
    })();
    const [a, b] = await Promise.allSettled([cluster, drbd]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  });

  await step('crm configure load update: DRBD promoted, fs mounted, VIP up on one node', async (t) => {
    const r = await lab.exec(1, ['crm', 'configure', 'load', 'update', '/root/stack.crm'], { timeout: 240 });
    t.equal(r.code, 0, `crm configure load update${r.code ? `: ${r.stdout}${r.stderr}` : ''}`);
    const s = Date.now();
    const m = await waitMon(1, 'drbd Promoted + fs + vip started on one node', (m) =>
      where(m, 'drbd-r0', 'Promoted').length === 1 && where(m, 'drbd-r0', 'Unpromoted').length === 1 &&
      where(m, 'fs-r0', 'Started').join() === where(m, 'drbd-r0', 'Promoted').join() &&
      where(m, 'vip-r0', 'Started').join() === where(m, 'drbd-r0', 'Promoted').join() &&
      !m.resources.some((x) => x.failed), 300);
    t.comment(`running after ${secs(s)}s: ${summary(m)}`);
    const promoted = where(m, 'drbd-r0', 'Promoted')[0]!;
    active = promoted === 'node2' ? 2 : 1;
    t.same(where(m, 'drbd-r0', 'Unpromoted'), [name(other(active))], 'Unpromoted on the other node');
    t.equal(m.resources.find((x) => x.id === 'fence-vmlab' || x.agent === 'stonith:fence_vmlab')?.active, true, 'fence device started');
    await checkActive(t, active, `${name(active)}/${name(other(active))}`, 'Primary/Secondary');
    t.equal((await lab.drbdState(other(active))).role, 'Secondary/Primary', `${name(other(active))}: drbdadm role`);
    t.equal(fences.length, 0, 'nobody fenced so far');
  });

  const payload = `written on the active node before the failure ${Date.now()}`;
  await step('write + fsync a file, kill the active VM: the survivor takes over', async (t) => {
    const w = await lab.sh(active, `printf '%s\\n' '${payload}' > ${PROOF} && sync ${PROOF} && cat ${PROOF}`);
    t.equal(w.stdout.trim(), payload, `file written and fsynced on ${name(active)}`);
    const survivor = other(active);
    const s = Date.now();
    await killVm(active);
    t.comment(`killed ${name(active)} (qemu SIGKILL)`);
    const m = await waitMon(survivor, `${name(survivor)} runs everything`, (m) =>
      m.nodes.get(name(active)) === false &&
      where(m, 'drbd-r0', 'Promoted').join() === name(survivor) &&
      where(m, 'fs-r0', 'Started').join() === name(survivor) &&
      where(m, 'vip-r0', 'Started').join() === name(survivor), 300);
    t.comment(`failover took ${secs(s)}s: ${summary(m)}`);
    t.comment(`fencing: ${JSON.stringify(fences)}`);
    t.ok(fences.some((f) => f.from === survivor && f.target === name(active) && f.rc === 0), `${name(survivor)} fenced ${name(active)} through fence_vmlab`);
    t.notOk(fences.some((f) => f.target === name(survivor)), `nobody fenced ${name(survivor)}`);
    await checkActive(t, survivor, name(survivor), 'Primary/Unknown');
    const c = await lab.exec(survivor, ['cibadmin', '-Q', '-o', 'constraints']);
    t.match(c.stdout, new RegExp(`drbd-fence-by-handler-${RES}-drbd-r0-clone`), 'crm-fence-peer.sh put its constraint in');
    const p = await lab.exec(survivor, ['cat', PROOF]);
    t.equal(p.stdout.trim(), payload, 'the file written before the failure is there');
  });

  /** drbdadm role, findmnt, ip -j addr on the node that should run the stack. */
  async function checkActive(t: Test, n: NodeId, label: string, role: string) {
    t.equal((await lab.drbdState(n)).role, role, `${label}: drbdadm role ${RES}`);
    const fm = await lab.exec(n, ['findmnt', '-J', '-o', 'SOURCE,FSTYPE,TARGET', MOUNT]);
    t.equal(fm.code, 0, `${name(n)}: ${MOUNT} mounted`);
    const fs = fm.code === 0 ? (JSON.parse(fm.stdout) as { filesystems: { source: string; fstype: string }[] }).filesystems[0] : undefined;
    t.same({ source: fs?.source, fstype: fs?.fstype }, { source: DEVICE, fstype: 'ext4' }, `${name(n)}: ${DEVICE} ext4 on ${MOUNT}`);
    const ip = JSON.parse(await lab.ok(n, ['ip', '-j', 'addr', 'show', 'dev', 'eth0'])) as { addr_info: { local: string; prefixlen: number }[] }[];
    t.ok(ip[0]?.addr_info.some((a) => a.local === VIP && a.prefixlen === 24), `${name(n)}: VIP ${VIP}/24 on eth0`);
  }

  t.comment(`total ${secs()}s`);
}
