/**
 * runc's -ENOSYS stub written out as classic BPF from its rule (docs/runc-enosys.md), to put in
 * front of libseccomp's filter as runc does (patchbpf's enosysPatchFilter). Independent of the
 * compiler: `last` comes from libseccomp's own numbers for the profile's names, and the code is
 * laid out by hand here, section by section as generateEnosysStub lays it out.
 */
import {
  BPF_ABS, BPF_JA, BPF_JEQ, BPF_JGT, BPF_JMP, BPF_JSET, BPF_K, BPF_LD, BPF_RET, BPF_W, type Insn, jump, stmt,
} from '@ea/bpf';
import type { ResolvedProfile } from '@ea/profile';
import { ARCHES, type ArchName } from '@ea/seccomp';
import type { LibseccompFilter } from './libseccomp.js';

const ENOSYS_RET = 0x00050026;
const BIT30 = 0x40000000;

/** A stub instruction whose jump targets are another stub instruction (by index), `E` (ret ENOSYS) or `F` (the filter). */
type Target = number | 'E' | 'F';
type Op = { kind: 'ld'; k: number } | { kind: 'jmp'; code: number; k: number; t: Target; f: Target } | { kind: 'ja'; to: Target };

/** Returns runc's largest number per arch, from libseccomp's numbers for every name of the resolved rules. */
export function libseccompLast(resolved: ResolvedProfile, lib: LibseccompFilter): Partial<Record<ArchName, number>> {
  const last: Partial<Record<ArchName, number>> = {};
  for (const arch of resolved.arches) {
    let largest = 0;
    for (const r of resolved.rules) for (const name of r.names) largest = Math.max(largest, lib.numbers[arch]?.[name] ?? 0);
    if (largest > 0) last[arch] = largest;
  }
  return last;
}

/** Returns the stub followed by libseccomp's filter. */
export function withRuncStub(last: Partial<Record<ArchName, number>>, filter: readonly Insn[]): Insn[] {
  const byAudit = new Map<number, ArchName[]>();
  for (const a of Object.keys(last) as ArchName[]) {
    const audit = ARCHES[a].auditArch >>> 0;
    byAudit.set(audit, [...(byAudit.get(audit) ?? []), a]);
  }
  const ops: Op[] = [{ kind: 'ld', k: 4 }];
  const heads: { at: number; audit: number }[] = [];
  for (const audit of byAudit.keys()) {
    heads.push({ at: ops.length, audit });
    ops.push({ kind: 'jmp', code: BPF_JEQ, k: audit, t: -1, f: ops.length + 1 });
  }
  ops.push({ kind: 'ja', to: 'F' });
  for (const [i, arches] of [...byAudit.values()].entries()) {
    (ops[heads[i]!.at] as Extract<Op, { kind: 'jmp' }>).t = ops.length;
    ops.push({ kind: 'ld', k: 0 });
    const x64 = arches.includes('x86_64') ? last.x86_64 : undefined;
    const x32 = arches.includes('x32') ? last.x32 : undefined;
    if (x64 !== undefined && x32 !== undefined) {
      const at = ops.length;
      ops.push({ kind: 'jmp', code: BPF_JSET, k: BIT30, t: at + 2, f: at + 1 });
      ops.push({ kind: 'jmp', code: BPF_JGT, k: x64, t: 'E', f: 'F' });
      ops.push({ kind: 'jmp', code: BPF_JGT, k: x32, t: 'E', f: 'F' });
    } else if (x64 !== undefined || x32 !== undefined) {
      const at = ops.length;
      // x86_64 alone: bit 30 set goes to the filter; x32 alone: bit 30 clear does.
      ops.push({ kind: 'jmp', code: BPF_JSET, k: BIT30, t: x64 !== undefined ? 'F' : at + 1, f: x64 !== undefined ? at + 1 : 'F' });
      ops.push({ kind: 'jmp', code: BPF_JGT, k: (x64 ?? x32)!, t: 'E', f: 'F' });
    } else {
      const a = arches[0]!;
      if (a === 's390x') ops.push({ kind: 'jmp', code: BPF_JEQ, k: 0, t: 'E', f: ops.length + 1 });
      ops.push({ kind: 'jmp', code: BPF_JGT, k: last[a]!, t: 'E', f: 'F' });
    }
  }
  const E = ops.length;
  const F = E + 1;
  const to = (t: Target, pc: number): number => (t === 'E' ? E : t === 'F' ? F : t) - pc - 1;
  const stub = ops.map((op, pc): Insn => {
    if (op.kind === 'ld') return stmt(BPF_LD | BPF_W | BPF_ABS, op.k);
    if (op.kind === 'jmp') return jump(BPF_JMP | op.code | BPF_K, op.k, to(op.t, pc), to(op.f, pc));
    return stmt(BPF_JMP | BPF_JA, to(op.to, pc));
  });
  return [...stub, stmt(BPF_RET | BPF_K, ENOSYS_RET), ...filter];
}
