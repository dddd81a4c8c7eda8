/**
 * A sample through the real kernel: our compiled filter and libseccomp's, each installed by
 * @ea/oracle's run_seccomp on a worker thread of a forked child, judge the same real syscalls.
 *
 * Every call is issued sealed (run_seccomp's probes 2 and 3): an older helper filter answers
 * ERRNO or USER_NOTIF at those call sites, which outranks every action that would let the call
 * run, so any number with any arguments is safe (clone, reboot, kexec_load ...), while ERRNO with
 * its data, TRAP with its data, KILL_THREAD, KILL_PROCESS and USER_NOTIF of the tested filter all
 * show; TRACE, LOG and ALLOW show as one class. getpid, getppid and gettid are also issued
 * unsealed, where TRACE and ALLOW differ. x86_64 and x32 numbers go through `syscall`, i386 ones
 * through `int $0x80` (the kernel then fills seccomp_data with AUDIT_ARCH_I386). x86_64's uretprobe
 * and uprobe are left out: the kernel runs them without asking any filter.
 *
 * Three comparisons per call: the kernel's answer under our filter against what our interpreter
 * predicts from our program, the same for libseccomp's filter, and the kernel's answers under the
 * two filters against each other (numbers whose name only one side knows are excepted, by name).
 */
import type { Insn } from '@ea/bpf';
import { Interpreter } from '@ea/interpreter';
import { classifySeccomp, expectedSeccomp, ID_SYSCALLS, runSeccompOracle, type SeccompCall } from '@ea/oracle';
import type { CompiledProfile } from '@ea/profile';
import { ARCHES, type ArchName, bypassesFilters, syscallTable, writeSeccompData } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import { random, vectors } from './differential.js';
import type { LibseccompFilter } from './libseccomp.js';

/** How a 64-bit x86 task issues each ABI's calls. */
const ISSUE: Partial<Record<ArchName, 'x86_64' | 'i386'>> = { x86_64: 'x86_64', x32: 'x86_64', i386: 'i386' };
const LOW32 = 0xffffffffn;
/** Numbers around the x32 bit and the top of the u32 range, where the arch split and -1 live. */
const EDGES = [1000, 4095, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, 0xfffffffe, 0xffffffff];

/** One sampled call: what the kernel is asked, and what the filter sees. */
export interface SampleCall extends SeccompCall {
  readonly arch: ArchName;
  readonly auditArch: number;
}

/** One call where two answers differ. */
export interface KernelDifference {
  readonly arch: ArchName;
  readonly nr: number;
  readonly args: readonly bigint[];
  readonly sealed: boolean;
  readonly a: string;
  readonly b: string;
}

/** What the sample found. */
export interface KernelComparison {
  readonly cases: number;
  /** The kernel under our filter vs our interpreter's prediction. */
  readonly oursVsPrediction: readonly KernelDifference[];
  /** The kernel under libseccomp's filter vs the interpreter's prediction for it. */
  readonly libVsPrediction: readonly KernelDifference[];
  /** The kernel under our filter vs under libseccomp's. */
  readonly differences: readonly KernelDifference[];
  /** `arch:name` of numbers left out of `differences` (one side does not know the name). */
  readonly excepted: readonly string[];
  /** How often each class of outcome was observed under our filter. */
  readonly classes: Readonly<Record<string, number>>;
}

/** Returns the calls of the sample for a compiled profile (only the ABIs an x86_64 task can issue). */
export function sampleCalls(compiled: CompiledProfile, lib: LibseccompFilter, perNumber = 24): SampleCall[] {
  const rnd = random(1313);
  const calls: SampleCall[] = [];
  for (const arch of compiled.resolved.arches) {
    const abi = ISSUE[arch];
    if (abi === undefined) continue;
    const auditArch = ARCHES[arch].auditArch >>> 0;
    const table = syscallTable(arch);
    const max = Math.max(...table.map(([, nr]) => nr));
    const numbers = new Set<number>(table.map(([, nr]) => nr));
    for (let n = 1; n <= 3; n++) numbers.add(max + n);
    if (abi === 'x86_64' && arch === 'x86_64') for (const n of EDGES) numbers.add(n);
    if (abi === 'i386') numbers.add(0xffffffff);
    for (const nr of Object.values(lib.numbers[arch] ?? {})) if (nr !== undefined) numbers.add(nr >>> 0);
    // Constants per number, from the plan's branches (socketcall/ipc included).
    const consts = new Map<number, Map<number, bigint[]>>();
    for (const sc of compiled.plans.find((p) => p.arch === arch)?.syscalls ?? []) {
      for (const br of sc.branches) {
        for (const c of br.conds) {
          const byIndex = consts.get(sc.nr) ?? new Map<number, bigint[]>();
          consts.set(sc.nr, byIndex);
          byIndex.set(c.index, [...(byIndex.get(c.index) ?? []), c.value, c.valueTwo]);
        }
      }
    }
    for (const nr of numbers) {
      // uretprobe and uprobe skip every filter (the kernel runs them; uretprobe outside a
      // trampoline is a SIGSEGV): no filter can be asked about them.
      if (bypassesFilters({ arch: auditArch, nr })) continue;
      const byIndex = consts.get(nr);
      let list: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
      if (byIndex !== undefined) {
        const all = vectors(byIndex, rnd);
        // A deterministic subset: the all-zero vector, then a seeded pick of the rest.
        for (let i = all.length - 1; i > 1; i--) {
          const j = 1 + Math.floor(rnd() * i);
          [all[i], all[j]] = [all[j]!, all[i]!];
        }
        list = all.slice(0, perNumber);
      }
      for (const args of list) {
        const seen = abi === 'i386' ? args.map((a) => a & LOW32) : args;
        calls.push(abi === 'i386' ? { arch, auditArch, nr, args: seen, abi } : { arch, auditArch, nr, args: seen, sealed: true });
      }
    }
    // Harmless whatever the filter says: unsealed, so TRACE and ALLOW differ.
    if (arch === 'x86_64') for (const nr of ID_SYSCALLS) calls.push({ arch, auditArch, nr, args: [0n, 0n, 0n, 0n, 0n, 0n] });
  }
  return calls;
}

/** Returns what the kernel should show for each call under `insns`, from our interpreter. */
export function predict(insns: readonly Insn[], calls: readonly SampleCall[]): string[] {
  const engine = new Interpreter(verify(insns, { profile: 'seccomp' }), { endian: 'le' });
  const view = new DataView(new ArrayBuffer(64));
  return calls.map((c) => {
    writeSeccompData(view, { nr: c.nr, arch: c.auditArch, instructionPointer: 0n, args: [...c.args] }, 'le');
    return expectedSeccomp(engine.runSeccomp(view), c.nr, c.sealed === true || c.abi === 'i386');
  });
}

/** Runs each program on the kernel over the calls; returns the observed classes per program. */
export function observe(programs: readonly (readonly Insn[])[], calls: readonly SampleCall[]): string[][] {
  const observed = runSeccompOracle(programs.map((program) => ({ program, calls })));
  return observed.map((row) => row.map((o, i) => classifySeccomp(o, calls[i]!.nr)));
}

function diff(calls: readonly SampleCall[], a: readonly string[], b: readonly string[], skip?: (c: SampleCall) => boolean): KernelDifference[] {
  const out: KernelDifference[] = [];
  calls.forEach((c, i) => {
    if (a[i] !== b[i] && skip?.(c) !== true) {
      out.push({ arch: c.arch, nr: c.nr, args: c.args, sealed: c.sealed === true || c.abi === 'i386', a: a[i]!, b: b[i]! });
    }
  });
  return out;
}

/** Numbers (per arch) whose name one side places and the other does not, by `arch:name`. */
function exceptions(compiled: CompiledProfile, lib: LibseccompFilter): Map<string, string> {
  const out = new Map<string, string>();
  for (const arch of compiled.resolved.arches) {
    const ours = new Map(syscallTable(arch));
    for (const [name, theirs] of Object.entries(lib.numbers[arch] ?? {})) {
      const mine = ours.get(name);
      if (mine === theirs) continue;
      if (mine !== undefined) out.set(`${ARCHES[arch].auditArch >>> 0}:${mine}`, `${arch}:${name}`);
      if (theirs !== undefined) out.set(`${ARCHES[arch].auditArch >>> 0}:${theirs >>> 0}`, `${arch}:${name}`);
    }
  }
  return out;
}

/** Runs the sample on the kernel under our filter (or `ours`, a planted variant) and libseccomp's. */
export function compareOnKernel(compiled: CompiledProfile, lib: LibseccompFilter, ours: readonly Insn[] = compiled.insns): KernelComparison {
  const calls = sampleCalls(compiled, lib);
  const [k1, k2] = observe([ours, lib.insns], calls) as [string[], string[]];
  const except = exceptions(compiled, lib);
  const excepted = new Set<string>();
  const skip = (c: SampleCall): boolean => {
    const name = except.get(`${c.auditArch}:${c.nr}`);
    if (name !== undefined) excepted.add(name);
    return name !== undefined;
  };
  const classes: Record<string, number> = {};
  for (const k of k1) classes[k] = (classes[k] ?? 0) + 1;
  return {
    cases: calls.length,
    oursVsPrediction: diff(calls, k1, predict(ours, calls)),
    libVsPrediction: diff(calls, k2, predict(lib.insns, calls)),
    differences: diff(calls, k1, k2, skip),
    excepted: [...excepted].sort(),
    classes,
  };
}
