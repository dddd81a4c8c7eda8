/**
 * The filter for a whole profile: check seccomp_data.arch, dispatch on the syscall number, run
 * the argument checks. Layout:
 *
 *   ld [4]; jeq AUDIT_ARCH_1 ... (unknown arch: the bad-arch action, libseccomp's KILL by default)
 *   per AUDIT_ARCH value: ld [0]; dispatch (dispatch.ts); argument checks (args.ts)
 *   the return values, shared
 *
 * x86_64 and x32 share AUDIT_ARCH_X86_64 and are told apart by X32_SYSCALL_BIT: numbers below it
 * are x86_64's, the others x32's. With only one of the two in the filter, the other half answers
 * the bad-arch action, except nr 0xffffffff (-1) which libseccomp's x86_64 filter lets through to
 * the default, as its generated code does (`jlt 0x40000000; jne 0xffffffff` in gen_bpf).
 */
import { X32_SYSCALL_BIT } from '@ea/bpf';
import { ARCHES, type ArchName } from '@ea/seccomp';
import type { Assembler, Label } from './asm.js';
import { emitBranches } from './branches.js';
import { emitDispatch, mergeSegments, type Outcome, overlaySegments, type Segment } from './dispatch.js';
import { ENOSYS_RET, type EnosysRule, enosysRanges } from './enosys.js';
import { type CodeBlock, mergeTails } from './merge.js';
import type { ArchPlan } from './plan.js';

/** One AUDIT_ARCH value and the parts of the number space each plan owns. */
interface Block {
  readonly auditArch: number;
  readonly regions: readonly { readonly lo: number; readonly hi: number; readonly plan: ArchPlan | undefined }[];
}

const U32_MAX = 0xffffffff;

function blocks(plans: readonly ArchPlan[]): Block[] {
  const out: Block[] = [];
  const byArch = new Map<ArchName, ArchPlan>(plans.map((p) => [p.arch, p]));
  for (const p of plans) {
    const audit = ARCHES[p.arch].auditArch >>> 0;
    if (out.some((b) => b.auditArch === audit)) continue;
    if (p.arch === 'x86_64' || p.arch === 'x32') {
      const x64 = byArch.get('x86_64');
      const x32 = byArch.get('x32');
      const regions: { lo: number; hi: number; plan: ArchPlan | undefined }[] = [{ lo: 0, hi: X32_SYSCALL_BIT - 1, plan: x64 }];
      if (x32 !== undefined) regions.push({ lo: X32_SYSCALL_BIT, hi: U32_MAX, plan: x32 });
      else regions.push({ lo: X32_SYSCALL_BIT, hi: U32_MAX - 1, plan: undefined }, { lo: U32_MAX, hi: U32_MAX, plan: x64 });
      out.push({ auditArch: audit, regions });
    } else {
      out.push({ auditArch: audit, regions: [{ lo: 0, hi: U32_MAX, plan: p }] });
    }
  }
  return out;
}

function segmentsOf(block: Block, defaultRet: number, badArchRet: number): Segment[] {
  const segs: Segment[] = [];
  for (const region of block.regions) {
    const plan = region.plan;
    const background: Outcome = { kind: 'ret', ret: plan === undefined ? badArchRet : defaultRet };
    let at = region.lo;
    for (const sc of plan?.syscalls ?? []) {
      if (sc.nr < region.lo || sc.nr > region.hi) continue;
      if (sc.nr > at) segs.push({ lo: at, hi: sc.nr - 1, outcome: background });
      const b = sc.branches;
      const outcome: Outcome =
        b.length === 0
          ? background
          : b.length === 1 && b[0]!.conds.length === 0 && b[0]!.ea === undefined
            ? { kind: 'ret', ret: b[0]!.ret }
            : { kind: 'args', plan: sc, fallback: defaultRet };
      segs.push({ lo: sc.nr, hi: sc.nr, outcome });
      at = sc.nr + 1;
    }
    if (at <= region.hi) segs.push({ lo: at, hi: region.hi, outcome: background });
  }
  return mergeSegments(segs);
}

/** The return instructions of one block, placed after its code so its jumps stay short. */
function pool(asm: Assembler): { readonly retLabel: (ret: number) => Label; readonly flush: () => void } {
  const rets = new Map<number, Label>();
  return {
    retLabel: (ret) => {
      let l = rets.get(ret >>> 0);
      if (l === undefined) {
        l = asm.label();
        rets.set(ret >>> 0, l);
      }
      return l;
    },
    flush: () => {
      for (const [ret, label] of rets) {
        asm.place(label);
        asm.emit({ op: 'ret', k: ret });
      }
    },
  };
}

/**
 * Emits the whole filter into `asm`; with `enosys`, the numbers runc's stub answers ERRNO(ENOSYS)
 * (enosys.ts) get that answer in the dispatch, before any argument check.
 */
export function emitFilter(asm: Assembler, plans: readonly ArchPlan[], defaultRet: number, badArchRet: number, enosys?: EnosysRule): void {
  const list = blocks(plans);
  // One set of return instructions at the end, as libseccomp has; far jumps reach them through
  // copies the assembler places in gaps (asm.ts).
  const shared = pool(asm);
  const pools = list.map(() => shared);
  const checks = new Map<string, { readonly label: Label; readonly emit: () => void }>();
  asm.emit({ op: 'ld', k: 4 });
  const entries = list.map(() => asm.label());
  list.forEach((b, i) => {
    const last = i === list.length - 1;
    const next = last ? pools[0]!.retLabel(badArchRet) : asm.label();
    asm.emit({ op: 'jmp', cmp: 'jeq', k: b.auditArch, t: entries[i]!, f: next });
    if (!last) asm.place(next);
  });
  list.forEach((b, i) => {
    const { retLabel } = pools[i]!;
    asm.place(entries[i]!);
    const own = segmentsOf(b, defaultRet, badArchRet);
    const segments = enosys === undefined ? own : overlaySegments(own, enosysRanges(enosys, b.auditArch), { kind: 'ret', ret: ENOSYS_RET });
    const only = segments[0]!;
    if (segments.length === 1 && only.outcome.kind === 'ret') {
      asm.emit({ op: 'ret', k: only.outcome.ret });
    } else {
      asm.emit({ op: 'ld', k: 0 });
      emitDispatch(asm, segments, retLabel, (outcome) => {
        const plan = plans.find((p) => p.syscalls.includes(outcome.plan))!;
        const endian = ARCHES[plan.arch].endian;
        // Identical checks (the same rules on two ABIs of one width and byte order, say x32 and
        // i386) are emitted once, as libseccomp's gen_bpf shares identical blocks.
        const key = JSON.stringify([plan.bits, endian, outcome.fallback, outcome.plan.branches.map((b) => [b.ret, b.conds.map((c) => [c.index, c.op, String(c.value), String(c.valueTwo)]), b.ea === undefined ? null : [b.ea.syscall, b.path]])]);
        let entry = checks.get(key);
        if (entry === undefined) {
          entry = { label: asm.label(), emit: () => emitBranches(asm, outcome.plan.branches, plan.bits, endian, retLabel, outcome.fallback) };
          checks.set(key, entry);
        }
        return entry.label;
      });
    }
  });
  // The argument checks of every block after all dispatch code: every jump into them is forward.
  // Each is emitted on its own, then blocks that end another block are merged into it (merge.ts).
  const bodies: CodeBlock[] = [];
  for (const { label, emit } of checks.values()) {
    const start = asm.items.length;
    emit();
    bodies.push({ label, items: asm.items.splice(start) });
  }
  asm.items.push(...mergeTails(bodies));
  shared.flush();
}
