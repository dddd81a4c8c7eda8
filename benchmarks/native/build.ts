/**
 * Builds the native peers with gcc into a cache keyed by their source: the
 * libpcap harness once, and one harness per set of translated programs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Insn } from '@ea/bpf';
import { type TranslateMode, translateProgram } from './translate.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Where binaries and workload files go (ignored by git). */
export const CACHE_DIR = join(here, '..', '.cache');
const HARNESS = join(here, 'harness.c');

/** Returns why the native peers cannot be built here, or null when they can. */
export function nativeUnavailable(): string | null {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'gcc is not installed (apt-get install gcc)';
  }
  if (!existsSync('/usr/include/pcap/pcap.h')) return 'libpcap-dev is not installed (apt-get install libpcap-dev)';
  return null;
}

function compile(name: string, extraSources: Record<string, string>, defines: string[]): string {
  const hash = createHash('sha256').update(readFileSync(HARNESS));
  for (const [file, text] of Object.entries(extraSources)) hash.update(file).update(text);
  hash.update(defines.join('\0'));
  const key = hash.digest('hex').slice(0, 16);
  mkdirSync(CACHE_DIR, { recursive: true });
  const binary = join(CACHE_DIR, `${name}-${key}`);
  if (existsSync(binary)) return binary;
  for (const [file, text] of Object.entries(extraSources)) writeFileSync(join(CACHE_DIR, `${key}-${file}`), text);
  const defs = defines.map((d) => `-D${d.replace('@KEY@', key)}`);
  const tmp = `${binary}.${process.pid}.tmp`;
  execFileSync('gcc', ['-O2', '-Wall', '-o', tmp, ...defs, HARNESS, '-lpcap'], { stdio: 'pipe', cwd: CACHE_DIR });
  renameSync(tmp, binary);
  return binary;
}

/** Builds (or reuses) the harness that runs libpcap's bpf_filter. */
export function buildLibpcapHarness(): string {
  return compile('harness-libpcap', {}, []);
}

/** Builds (or reuses) a harness with each program translated to C and compiled with gcc -O2. */
export function buildNativeHarness(programs: readonly (readonly Insn[])[], mode: TranslateMode): string {
  const parts = ['#include <string.h>'];
  for (const [i, p] of programs.entries()) parts.push(translateProgram(p, `filter_${i}`, mode));
  parts.push(`static const filter_fn FILTER_TABLE[] = {${programs.map((_, i) => `filter_${i}`).join(', ')}};`);
  const file = 'filters.c';
  return compile(`harness-native-${mode}`, { [file]: `${parts.join('\n\n')}\n` }, [`FILTERS="${join(CACHE_DIR, `@KEY@-${file}`)}"`]);
}

export interface NativeResult {
  readonly matched: number;
  readonly total: number;
  /** Every return value folded as h = h * 31 + ret (u32), for the cross-check. */
  readonly hash: number;
  /** ns per packet of each repetition. */
  readonly ns: readonly number[];
}

/**
 * Runs a harness binary and parses its JSON lines, one per program (only program `only` when
 * given); `extra` adds environment variables (EA_HARNESS_PASSES, EA_HARNESS_EVICT).
 */
export function runHarness(
  binary: string,
  capture: string,
  reps: number,
  programFiles: readonly string[] = [],
  only?: number,
  extra: Readonly<Record<string, string>> = {},
): NativeResult[] {
  const env = { ...process.env, ...extra, ...(only === undefined ? {} : { EA_HARNESS_ONLY: String(only) }) };
  const out = execFileSync(binary, [capture, String(reps), ...programFiles], { maxBuffer: 1 << 26, env });
  return out
    .toString()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as NativeResult);
}

/** Returns libpcap's version string as the harness links it. */
export function libpcapVersion(binary: string): string {
  return execFileSync(binary, ['--version']).toString().trim();
}
