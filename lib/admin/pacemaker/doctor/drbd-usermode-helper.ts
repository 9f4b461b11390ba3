// The DRBD module runs every handler (fence-peer included) through its usermode_helper; set to
// anything but drbdadm (tools recommend /bin/true to silence handlers), fencing silently stops.

import { basename } from 'node:path/posix';
import { fencingPolicyOf, handlersOf } from '../../drbd/config.js';
import type { DrbdFacts } from './drbd-facts.js';
import type { Finding } from './finding.js';

export function checkDrbdUsermodeHelper(drbd: DrbdFacts): Finding[] {
  const helper = drbd.usermodeHelper;
  if (helper === undefined || basename(helper) === 'drbdadm') return [];
  const relying = (drbd.configs ?? []).filter(
    (config) => fencingPolicyOf(config) !== 'dont-care' || Object.keys(handlersOf(config)).length > 0,
  );
  if (relying.length === 0) return [];
  return [
    {
      check: 'drbd-usermode-helper',
      severity: 'danger',
      title: `the DRBD module's usermode_helper is ${helper === '' ? 'empty' : `"${helper}"`}, not drbdadm, but ${relying.map((config) => config.name).join(', ')} ${relying.length === 1 ? 'uses' : 'use'} fencing or handlers`,
      why:
        'DRBD calls every handler through this program: fence-peer, unfence and split-brain notifications never run. ' +
        'Pacemaker never gets the constraint that keeps an outdated node from being promoted, and fencing "resource-only" ' +
        'waits for a handler that does nothing, so a failover can promote stale data.',
      fix: [
        'echo /usr/sbin/drbdadm > /sys/module/drbd/parameters/usermode_helper   (now; the path of `command -v drbdadm`)',
        'remove usermode_helper= from /etc/modprobe.d/*.conf and drbd.usermode_helper= from the kernel command line, so it stays after a reboot',
      ],
    },
  ];
}
