#!/usr/bin/env node
/**
 * Downloads the linux-libc-dev the syscall tables are generated from (scripts/gen-syscalls.mjs),
 * checks it against the SHA256 the Debian archive's signed index lists for it, and unpacks it with
 * `dpkg-deb -R` into .cache/linux-libc-dev (or $EA_LINUX_HEADERS), where the generator and its
 * test (packages/seccomp/test/syscalls.test.ts) look. .ci/run calls it; it needs only Node and
 * dpkg-deb, and the network to reach deb.debian.org.
 *
 * The version is pinned: the tables are facts of that package, and the test compares byte for
 * byte. To move to a newer kernel, change VERSION and SHA256 (from the suite's Packages index),
 * run this, then `node scripts/gen-syscalls.mjs` and update KERNEL_RELEASES in
 * packages/seccomp/src/kernels.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** trixie-backports' linux 7.3.4: Architecture all, every arch's UAPI headers. */
export const VERSION = '7.3.4-1~bpo13+1';
const SHA256 = 'b3a4538fca67081c8606a93f37521d0eb74ac75996a02f3321a6b27f978e10a8';
const URL = `http://deb.debian.org/debian/pool/main/l/linux/linux-libc-dev_${VERSION}_all.deb`;

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = process.env.EA_LINUX_HEADERS || join(repo, '.cache', 'linux-libc-dev');

function installedVersion() {
  const control = join(root, 'DEBIAN', 'control');
  return existsSync(control) ? /^Version: (\S+)$/m.exec(readFileSync(control, 'utf8'))?.[1] : undefined;
}

async function main() {
  if (installedVersion() === VERSION) {
    process.stderr.write(`linux-libc-dev ${VERSION} is already at ${root}\n`);
    return 0;
  }
  const response = await fetch(URL);
  if (!response.ok) {
    process.stderr.write(`${URL}: HTTP ${response.status} (the archive may have dropped ${VERSION}: pin a newer one)\n`);
    return 1;
  }
  const deb = Buffer.from(await response.arrayBuffer());
  const digest = createHash('sha256').update(deb).digest('hex');
  if (digest !== SHA256) {
    process.stderr.write(`${URL}: SHA256 ${digest}, expected ${SHA256}\n`);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'linux-libc-dev-'));
  try {
    const file = join(dir, 'linux-libc-dev.deb');
    writeFileSync(file, deb);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(dirname(root), { recursive: true });
    execFileSync('dpkg-deb', ['-R', file, root]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write(`unpacked linux-libc-dev ${VERSION} at ${root}\n`);
  return 0;
}

process.exitCode = await main();
