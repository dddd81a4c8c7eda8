#!/usr/bin/env node
/**
 * Fetches the linux-libc-dev the syscall tables are generated from (scripts/gen-syscalls.mjs) with
 * apt itself, checks its SHA256, and unpacks it with `dpkg-deb -R` into .cache/linux-libc-dev (or
 * $EA_LINUX_HEADERS), where the generator and its test (packages/seccomp/test/syscalls.test.ts)
 * look. .ci/run calls it.
 *
 * The package lives in trixie-backports, which a bookworm machine does not list, so apt runs with
 * a private configuration: one sources entry for that suite on the Debian mirror this machine's apt
 * already uses (read from its sources, so no host is written here), its own lists directory, and
 * the archive keyring for the signature. Nothing of the machine's apt state changes.
 *
 * The version is pinned: the tables are facts of that package, and the test compares byte for
 * byte. To move to a newer kernel, change VERSION and SHA256 (from the suite's Packages index),
 * run this, then `node scripts/gen-syscalls.mjs` and update KERNEL_RELEASES in
 * packages/seccomp/src/kernels.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** trixie-backports' linux 7.3.4: Architecture all, every arch's UAPI headers. */
export const VERSION = '7.3.4-1~bpo13+1';
const SHA256 = 'b3a4538fca67081c8606a93f37521d0eb74ac75996a02f3321a6b27f978e10a8';
const SUITE = 'trixie-backports';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** Finds the Debian mirror this machine's apt uses (deb822 .sources or one-line sources.list). */
function debianMirror() {
  const files = [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  const parts = '/etc/apt/sources.list.d';
  if (existsSync(parts)) for (const f of readdirSync(parts)) if (/\.(sources|list)$/.test(f)) files.push(join(parts, f));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:URIs:|deb)\s+(?:\[[^\]]*\]\s+)?(.*)$/gm)) {
      const uri = m[1].split(/\s+/).find((u) => /^https?:\/\/.*\/debian\/?$/.test(u));
      if (uri !== undefined) return uri;
    }
  }
  return undefined;
}

/** Downloads linux-libc-dev VERSION with apt into `dir`; returns the .deb's path. */
function aptDownload(dir) {
  const mirror = debianMirror();
  if (mirror === undefined) throw new Error('no Debian mirror in this machine\'s apt sources');
  const parts = join(dir, 'sources');
  const lists = join(dir, 'lists');
  const debs = join(dir, 'debs');
  for (const d of [parts, join(lists, 'partial'), debs]) mkdirSync(d, { recursive: true });
  writeFileSync(join(parts, 'ea.sources'), `Types: deb\nURIs: ${mirror}\nSuites: ${SUITE}\nComponents: main\nSigned-By: ${KEYRING}\n`);
  const options = ['-qq', '-o', 'Dir::Etc::SourceList=/dev/null', '-o', `Dir::Etc::SourceParts=${parts}`, '-o', `Dir::State::Lists=${lists}`];
  execFileSync('apt-get', [...options, 'update'], { stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync('apt-get', [...options, 'download', `linux-libc-dev=${VERSION}`], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
  const deb = readdirSync(debs).find((f) => f.endsWith('.deb'));
  if (deb === undefined) throw new Error(`apt-get download linux-libc-dev=${VERSION} left no .deb`);
  return join(debs, deb);
}

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
  const dir = mkdtempSync(join(tmpdir(), 'linux-libc-dev-'));
  try {
    let file;
    try {
      file = aptDownload(dir);
    } catch (error) {
      const detail = error.stderr ? String(error.stderr).trim() : error.message;
      process.stderr.write(`apt could not fetch linux-libc-dev ${VERSION} from ${SUITE} (the archive may have dropped it: pin a newer one): ${detail}\n`);
      return 1;
    }
    const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
    if (digest !== SHA256) {
      process.stderr.write(`linux-libc-dev ${VERSION}: SHA256 ${digest}, expected ${SHA256}\n`);
      return 1;
    }
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
