// Filesystem: ours vs ocf:heartbeat:Filesystem on the same loop device and mount point.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { BenchSuite, Cmd } from '../harness.js';

const OURS = '/usr/lib/ocf/resource.d/ocfkit/Filesystem';
const UPSTREAM = '/usr/lib/ocf/resource.d/heartbeat/Filesystem';

export default async function filesystemSuite(): Promise<BenchSuite> {
  const dir = mkdtempSync('/var/tmp/ocfkit-bench-fs-');
  const image = `${dir}/disk.img`;
  let device = '';
  const env = () => ({
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    OCF_ROOT: '/usr/lib/ocf',
    OCF_RESOURCE_INSTANCE: 'fs_bench',
    OCF_RESKEY_device: device,
    OCF_RESKEY_directory: `${dir}/mnt`,
    OCF_RESKEY_fstype: 'ext4',
    OCF_RESKEY_CRM_meta_timeout: '20000',
    OCF_RESKEY_CRM_meta_interval: '20000',
  });
  const sh = (...argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  const mounted = () => sh('mount', device, `${dir}/mnt`);
  const unmounted = () => {
    try {
      sh('umount', `${dir}/mnt`);
    } catch {
      /* already */
    }
  };
  const cmd = (agent: string, action: string, extra: Partial<Cmd> = {}, envExtra: Record<string, string> = {}): Cmd => ({
    argv: [agent, action],
    get env() {
      return { ...env(), ...envExtra };
    },
    ...extra,
  });
  const both = (name: string, action: string, extra: Partial<Cmd>, envExtra: Record<string, string> = {}) => ({
    name,
    ours: cmd(OURS, action, extra, envExtra),
    upstream: cmd(UPSTREAM, action, extra, envExtra),
  });

  return {
    name: 'Filesystem',
    setup() {
      sh('truncate', '-s', '64M', image);
      sh('mkfs.ext4', '-q', '-F', image);
      device = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
      sh('mkdir', '-p', `${dir}/mnt`);
    },
    teardown() {
      unmounted();
      try {
        sh('losetup', '-d', device);
      } catch {
        /* gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
    cases: [
      both('monitor (mounted)', 'monitor', {
        before: () => {
          unmounted();
          mounted();
        },
        expectCode: 0,
      }),
      both('monitor (not mounted)', 'monitor', { before: unmounted, expectCode: 7 }),
      both(
        'monitor depth 20 (mounted)',
        'monitor',
        {
          before: () => {
            unmounted();
            mounted();
          },
          expectCode: 0,
        },
        { OCF_CHECK_LEVEL: '20' },
      ),
      both('start (mount)', 'start', { before: unmounted, expectCode: 0 }),
      both('stop (umount)', 'stop', {
        before: () => {
          unmounted();
          mounted();
        },
        expectCode: 0,
      }),
      both('meta-data', 'meta-data', { expectCode: 0 }),
    ],
  };
}
