// Real file systems on loop devices, made and removed by the tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { sh } from './agent.js';

export interface LoopFs {
  readonly device: string;
  readonly image: string;
  readonly dir: string; // a scratch directory for mount points
  cleanup(): void;
}

const MKFS: Record<string, { args: string[]; sizeMb: number }> = {
  ext4: { args: ['-q', '-F'], sizeMb: 32 },
  ext2: { args: ['-q', '-F'], sizeMb: 32 },
  xfs: { args: ['-q', '-f'], sizeMb: 320 }, // mkfs.xfs refuses file systems under 300 MB
  btrfs: { args: ['-q', '-f'], sizeMb: 128 },
};

export function makeLoopFs(fstype: keyof typeof MKFS, label?: string): LoopFs {
  const dir = mkdtempSync('/var/tmp/ocfkit-fs-');
  const image = `${dir}/disk.img`;
  const { args, sizeMb } = MKFS[fstype]!;
  sh('truncate', ['-s', `${sizeMb}M`, image]);
  sh(`mkfs.${fstype}`, [...args, ...(label ? ['-L', label] : []), image]);
  const device = sh('losetup', ['-f', '--show', image]).trim();
  return {
    device,
    image,
    dir,
    cleanup() {
      // Unmount whatever a failed test left behind below our scratch directory, then detach.
      const mounts = sh('findmnt', ['-rn', '-o', 'TARGET'])
        .split('\n')
        .filter((m) => m.startsWith(dir))
        .reverse();
      for (const m of mounts) spawnQuiet('umount', ['-l', m]);
      spawnQuiet('losetup', ['-d', device]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnQuiet(file: string, args: string[]): void {
  try {
    sh(file, args);
  } catch {
    // best effort during cleanup
  }
}
