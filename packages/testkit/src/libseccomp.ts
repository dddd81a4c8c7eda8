/**
 * Builds libseccomp/gen.c against libseccomp (cached by source hash, like @ea/oracle's
 * buildHelper) and returns the policies it writes, decoded into instructions. The benchmarks run
 * them over @ea/seccomp's syscallMix; the seccomp, oracle, explain and JIT tests check them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProgram, type Insn } from '@ea/bpf';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, '..', 'libseccomp', 'gen.c');
const CACHE_DIR = join(here, '..', 'node_modules', '.cache', 'ea-policies');
/** The libseccomp version that produced the committed .bpf files. */
export const COMMITTED_LIBSECCOMP = '2.5.4';
/** The policies gen.c writes, committed as COMMITTED_DIR/<name>.bpf. */
export const COMMITTED_DIR = join(here, '..', 'libseccomp', 'bpf');

/** Names one of the policies gen.c writes. */
export type PolicyName = 'allowlist' | 'allowlist-tree' | 'denylist' | 'args' | 'args-tree' | 'multiarch';

/** What each policy is (the comment at the top of gen.c has the details). */
export const POLICY_DESCRIPTIONS: Readonly<Record<PolicyName, string>> = {
  allowlist: 'container-runtime-style allow-list, default ERRNO(EPERM), default optimisation',
  'allowlist-tree': 'the allow-list with SCMP_FLTATR_CTL_OPTIMIZE = 2 (binary tree)',
  denylist: 'default ALLOW, dangerous calls ERRNO(EPERM)',
  args: 'allow-list with 32- and 64-bit argument comparisons (EQ, GT, LE, LT, MASKED_EQ, NE)',
  'args-tree': 'the argument policy with the binary tree',
  multiarch: 'the allow-list for x86_64 + i386 + x32 in one filter',
};

/** Holds one generated policy: its name, what it is, its file and its decoded program. */
export interface Policy {
  readonly name: PolicyName;
  readonly description: string;
  /** The .bpf file: a raw sock_filter array in the host's (little-endian) byte order. */
  readonly file: string;
  readonly program: Insn[];
  /** Unconditional rules gen.c added (names libseccomp resolved; some only exist on other arches). */
  readonly rules: number;
}

/** Holds the policies one run of gen.c wrote and the libseccomp version that wrote them. */
export interface GeneratedPolicies {
  /** The libseccomp version that compiled them, as seccomp_version() reports it. */
  readonly libseccomp: string;
  readonly policies: readonly Policy[];
}

/** Returns why gen.c cannot be built here (no gcc, no libseccomp-dev), or null. */
export function policiesUnavailable(): string | null {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'gcc is not installed (apt-get install gcc)';
  }
  if (!existsSync('/usr/include/seccomp.h')) return 'libseccomp-dev is not installed (apt-get install libseccomp-dev)';
  return null;
}

function buildGenerator(): string {
  const args = ['-O2', '-Wall', '-Werror'];
  const libs = ['-lseccomp'];
  const key = createHash('sha256').update(readFileSync(SOURCE)).update([...args, ...libs].join('\0')).digest('hex').slice(0, 16);
  const binary = join(CACHE_DIR, `gen-${key}`);
  if (!existsSync(binary)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${binary}.${process.pid}.tmp`;
    execFileSync('gcc', [...args, '-o', tmp, SOURCE, ...libs], { stdio: 'pipe' });
    renameSync(tmp, binary);
  }
  return binary;
}

/** Compiles gen.c if needed, writes every policy to `outDir` and returns them decoded. */
export function generatePolicies(outDir: string): GeneratedPolicies {
  mkdirSync(outDir, { recursive: true });
  const out = execFileSync(buildGenerator(), [outDir], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  const version = /^libseccomp (\S+)$/.exec(lines[0] ?? '');
  if (version === null) throw new Error(`gen: unexpected first line ${JSON.stringify(lines[0])}`);
  const policies = lines.slice(1).map((line) => {
    const m = /^(\S+) (\d+)$/.exec(line);
    if (m === null || !(m[1]! in POLICY_DESCRIPTIONS)) throw new Error(`gen: unexpected line ${JSON.stringify(line)}`);
    const name = m[1] as PolicyName;
    return readPolicy(name, join(outDir, `${name}.bpf`), Number(m[2]));
  });
  return { libseccomp: version[1]!, policies };
}

function readPolicy(name: PolicyName, file: string, rules: number): Policy {
  return { name, description: POLICY_DESCRIPTIONS[name], file, program: decodeProgram(readFileSync(file)), rules };
}

/** Returns the committed policies (libseccomp/bpf), for machines without libseccomp. */
export function committedPolicies(): readonly Policy[] {
  return (Object.keys(POLICY_DESCRIPTIONS) as PolicyName[]).map((name) =>
    readPolicy(name, join(COMMITTED_DIR, `${name}.bpf`), -1),
  );
}
