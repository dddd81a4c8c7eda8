/**
 * Builds the oracle's small C helpers with gcc on first use and caches the
 * binaries, and tells whether the running kernel can serve as an oracle here.
 * Tests call `oracleUnavailable()` and skip with its message when it is not null.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Directory with the C sources of the helpers. */
export const C_DIR = join(here, '..', 'c');
const CACHE_DIR = join(here, '..', 'node_modules', '.cache', 'ea-oracle');

let gccChecked: string | null | undefined;

/** Returns why gcc cannot build helpers here, or null when it can. */
export function gccUnavailable(): string | null {
  if (gccChecked !== undefined) return gccChecked;
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    gccChecked = null;
  } catch {
    gccChecked = 'gcc is not installed (apt-get install gcc; .ci/run installs it)';
  }
  return gccChecked;
}

/** Returns why the kernel oracle cannot run here (no Linux, no root, no gcc), or null. */
export function oracleUnavailable(): string | null {
  if (process.platform !== 'linux') return `the kernel oracle needs Linux, this is ${process.platform}`;
  // The seccomp helpers issue syscalls from known instruction addresses with x86_64 assembly.
  if (process.arch !== 'x64') return `the kernel oracle's helpers are written for x86_64, this is ${process.arch}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'the kernel oracle needs root (socket filters and seccomp are installed in forked children)';
  }
  return gccUnavailable();
}

/**
 * Compiles `c/<name>.c` (plus extra gcc arguments such as `-lseccomp`) and returns
 * the binary's path. The cache key is the source text and the arguments.
 */
export function buildHelper(name: string, extraArgs: readonly string[] = []): string {
  const source = join(C_DIR, `${name}.c`);
  const text = readFileSync(source);
  const key = createHash('sha256').update(text).update(extraArgs.join('\0')).digest('hex').slice(0, 16);
  const binary = join(CACHE_DIR, `${name}-${key}`);
  if (!existsSync(binary)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${binary}.${process.pid}.tmp`;
    execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', tmp, source, ...extraArgs], { stdio: 'pipe' });
    execFileSync('mv', ['-f', tmp, binary]);
  }
  return binary;
}
