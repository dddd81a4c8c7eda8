/**
 * The libseccomp oracle for seccomp profiles: builds libseccomp's filter for a resolved profile
 * (@ea/profile's ResolvedProfile, taken structurally) through python3-seccomp
 * (libseccomp/profile_filter.py), adding rules the way runc's matchCall does, independently of
 * @ea/profile's planner: default-equal rules dropped, an argument named twice splits the rule,
 * names added one by one (libseccomp resolves them, multiplexes socket/IPC calls and cuts values
 * on 32-bit ABIs). @ea/profile's differential tests and the profile benchmark use it.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProgram, type Insn } from '@ea/bpf';
import { ARCHES, type ArchName } from '@ea/seccomp';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'libseccomp', 'profile_filter.py');
/** Debian's python3-seccomp lives with the system python; a pyenv `python3` on PATH lacks it. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

let python: string | null | undefined;

/** Returns why the oracle cannot run here, or null. */
export function pythonSeccompUnavailable(): string | null {
  if (python === undefined) {
    python = null;
    for (const p of PYTHONS) {
      try {
        execFileSync(p, ['-c', 'import seccomp'], { stdio: 'ignore' });
        python = p;
        break;
      } catch {
        // try the next one
      }
    }
  }
  return python === null ? 'python3-seccomp is not installed (apt-get install python3-seccomp)' : null;
}

/** The rules of a resolved profile, as the oracle reads them (@ea/profile's ResolvedProfile fits). */
export interface ProfileRules {
  readonly defaultRet: number;
  readonly arches: readonly ArchName[];
  readonly rules: readonly {
    readonly names: readonly string[];
    readonly ret: number;
    readonly args: readonly { readonly index: number; readonly op: string; readonly value: bigint; readonly valueTwo: bigint }[];
  }[];
}

/** libseccomp's filter and what it knows. */
export interface LibseccompFilter {
  readonly insns: Insn[];
  /** Names libseccomp refused (unknown to it). */
  readonly refused: readonly string[];
  /** Per arch, the number libseccomp gives each name (undefined: none on that arch). */
  readonly numbers: Readonly<Record<string, Readonly<Record<string, number | undefined>>>>;
}

/** Builds libseccomp's filter for `profile` (bad-arch action `badArch`); throws when python3-seccomp is missing. */
export function libseccompProfileFilter(profile: ProfileRules, badArch = 0): LibseccompFilter {
  const reason = pythonSeccompUnavailable();
  if (reason !== null) throw new Error(reason);
  const rules: { name: string; ret: number; args: [number, string, string, string][] }[] = [];
  const names = new Set<string>();
  for (const r of profile.rules) {
    for (const name of r.names) names.add(name);
    if (r.ret === profile.defaultRet) continue;
    const args = r.args.map((a) => [a.index, a.op, a.value.toString(), a.valueTwo.toString()] as [number, string, string, string]);
    const indexes = args.map((a) => a[0]);
    const split = new Set(indexes).size !== indexes.length;
    for (const name of r.names) {
      if (split) for (const a of args) rules.push({ name, ret: r.ret, args: [a] });
      else rules.push({ name, ret: r.ret, args });
    }
  }
  const spec = { default: profile.defaultRet, badarch: badArch, arches: profile.arches, rules, names: [...names] };
  const out = execFileSync(python!, [SCRIPT], { input: JSON.stringify(spec), maxBuffer: 64 << 20 }).toString();
  const parsed = JSON.parse(out) as { bpf: string; refused: string[]; numbers: Record<ArchName, Record<string, number | null>> };
  const numbers: Record<string, Record<string, number | undefined>> = {};
  for (const [arch, table] of Object.entries(parsed.numbers)) {
    numbers[arch] = {};
    for (const [name, nr] of Object.entries(table)) numbers[arch]![name] = nr === null || nr < 0 ? undefined : nr;
  }
  // libseccomp writes the filter in its architectures' byte order (all of one filter's share one).
  const endian = ARCHES[profile.arches[0]!].endian;
  return { insns: decodeProgram(Buffer.from(parsed.bpf, 'hex'), { endian }), refused: parsed.refused, numbers };
}
