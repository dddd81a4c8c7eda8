/**
 * What explain, diff and audit share: reading FILE as a verified seccomp filter (any program format
 * the CLI reads, or a seccomp profile JSON, OCI/Docker/Podman, compiled first by @ea/profile for
 * the given native arch with Docker's default capabilities), the --arch option, and the JSON
 * spelling of actions and predicates.
 */
import { readProgram } from '@ea/bpf';
import { compileProfile, ProfileError } from '@ea/profile';
import type { Case, Predicate } from '@ea/explain';
import { type ArchName, decodeAction, SYSCALL_ARCHES } from '@ea/seccomp';
import { type VerifiedProgram, verify } from '@ea/verifier';
import { readInput, UsageError } from '../output.js';
import { naming } from './disasm.js';

/** Reads and verifies FILE as a seccomp filter; format errors name the file, verifier errors keep their reason and pc. */
export function readFilter(file: string, arch: ArchName = 'x86_64'): VerifiedProgram {
  const bytes = readInput(file);
  if (looksLikeJson(bytes)) {
    try {
      return compileProfile(new TextDecoder().decode(bytes), { arch }).program;
    } catch (error) {
      if (error instanceof ProfileError) {
        const where = file === '-' ? 'standard input' : file;
        throw error.position === undefined
          ? new ProfileError(error.code, `${where}: ${error.path}`, error.reason)
          : new ProfileError(error.code, `${where}: ${error.path}`, `${where}: ${error.reason}`, error.position);
      }
      throw error;
    }
  }
  const { insns } = naming(file, () => readProgram(bytes));
  return verify(insns, { profile: 'seccomp' });
}

/** A profile is a JSON object; no program format starts with `{`. */
function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b;
  }
  return false;
}

/** Checks an --arch value (undefined when absent). */
export function archFilter(value: unknown): ArchName | undefined {
  if (value === undefined) return undefined;
  const name = String(value);
  const found = SYSCALL_ARCHES.find((a) => a === name);
  if (found === undefined) throw new UsageError(`--arch must be one of ${SYSCALL_ARCHES.join(', ')} (got ${JSON.stringify(name)})`);
  return found;
}

/** Returns `{action, data}` for a result (undefined actions take the kernel's kill-process path). */
export function actionJson(ret: number): { action: string; data: number } {
  const { action, data } = decodeAction(ret);
  return { action: action === 'unknown' ? 'kill_process' : action, data };
}

/** Formats a u64 as the JSON does: a 0x-hex string. */
export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** Returns a predicate in its JSON form (`mask` only for the masked ops). */
export function predicateJson(p: Predicate): Record<string, string> {
  return { field: p.field, op: p.op, value: hex(p.value), ...(p.mask !== undefined && { mask: hex(p.mask) }) };
}

/** Returns a decision as JSON fields: `action`/`data` when unconditional, else `cases`. */
export function decisionJson(cases: readonly Case[]): Record<string, unknown> {
  if (cases.length === 1 && cases[0]!.when.length === 0) return actionJson(cases[0]!.ret);
  return { cases: cases.map((c) => ({ when: c.when.map(predicateJson), ...actionJson(c.ret) })) };
}

const OPS: Readonly<Record<Predicate['op'], string>> = {
  eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=', masked_eq: '==', masked_ne: '!=',
};

/** Formats a predicate for people: `args[2] >= 0x1001`, `(args[0].lo & 0x7e020000) == 0`. */
export function predicateText(p: Predicate): string {
  if (p.mask !== undefined) return `(${p.field} & ${hex(p.mask)}) ${OPS[p.op]} ${hex(p.value)}`;
  return `${p.field} ${OPS[p.op]} ${p.value < 10n ? p.value.toString() : hex(p.value)}`;
}
