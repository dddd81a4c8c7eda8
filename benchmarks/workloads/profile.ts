/**
 * The profile workload (issue 13): a container profile (container-profile.ts, Docker's format)
 * compiled by @ea/profile, and libseccomp's filter for the same resolved rules (python3-seccomp,
 * @ea/testkit's libseccompProfileFilter), timed over the seccomp workload's syscall mix (x86_64,
 * weighted like a busy container: read/write/futex/epoll/... plus rare, denied and undefined
 * numbers): each filter through our JIT and through the gcc -O2 translation, side by side in
 * one run. The gcc loops run in two halves, before and after the JavaScript ones, and the JIT
 * timings alternate ours, libseccomp's, libseccomp's, ours, so the machine's drift does not fall
 * on one side. Every way's hash of all return values is compared with the others of the same
 * filter, and the two filters' verdicts with each other (the calls where they differ are counted:
 * 0 expected, as in @ea/profile's differential test).
 */
import { readFileSync } from 'node:fs';
import type { Insn } from '@ea/bpf';
import { compile } from '@ea/jit';
import { compileProfile } from '@ea/profile';
import { libseccompProfileFilter, pythonSeccompUnavailable } from '@ea/testkit';
import { ARCHES } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import { median, type TimingOptions, timePass } from '../measure.js';
import { buildNativeHarness, type NativeResult, nativeUnavailable, runHarness } from '../native/build.js';
import { CONTAINER_PROFILE } from './container-profile.js';
import { seccompHash, seccompPass, seccompRecords } from './seccomp.js';

/** One filter's row: its size, ns/call through our JIT and through gcc, and whether they agree. */
export interface ProfileRow {
  readonly name: string;
  readonly insns: number;
  readonly jit: number;
  /** null when gcc (or libpcap-dev, which the harness links) is missing: `note` says why. */
  readonly gcc: number | null;
  readonly agree: boolean;
}

export interface ProfileResults {
  /** Which profile ran: the built-in container profile, or EA_BENCH_PROFILE's file. */
  readonly profile: string;
  readonly calls: number;
  /** Milliseconds @ea/profile took to read, resolve, compile and verify the profile (median of 5). */
  readonly compileMs: number;
  readonly rows: readonly ProfileRow[];
  /** Calls of the mix where our filter and libseccomp's return different values. */
  readonly differences: number;
  /**
   * Calls left out of `differences` because libseccomp does not know their syscall (the profile
   * names it, libseccomp refuses the name, so its filter gives the default where ours applies the
   * rule), as the oracle test leaves them out; `unknown` lists those names.
   */
  readonly unknownCalls: number;
  readonly unknown: readonly string[];
  readonly note: string | null;
}

type Run = (view: DataView) => number;

/** Runs the workload, or returns why it cannot run here (python3-seccomp missing). */
export function runProfileWorkload(dir: string, count: number, timing: TimingOptions & { readonly reps: number }, log: (line: string) => void): ProfileResults | string {
  const missing = pythonSeccompUnavailable();
  if (missing !== null) return `skipped: ${missing}`;
  const options = { arch: 'x86_64', caps: 'default', kernel: '6.18' } as const;
  // EA_BENCH_PROFILE=FILE times a profile of the user's (the public Docker or Podman default, which
  // we do not commit) in place of the built-in one.
  const file = process.env['EA_BENCH_PROFILE'];
  const text = file === undefined || file === '' ? CONTAINER_PROFILE : readFileSync(file, 'utf8');
  const times: number[] = [];
  let ours = compileProfile(text, options);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    ours = compileProfile(text, options);
    times.push(performance.now() - t0);
  }
  const made = libseccompProfileFilter(ours.resolved);
  const theirs = made.insns;
  // seccomp_data (arch, nr) of every syscall the profile names that libseccomp has no number for.
  const unknownNr = new Map<string, string>();
  for (const arch of ours.resolved.arches) {
    const known = made.numbers[arch] ?? {};
    for (const [name, nr] of Object.entries(ARCHES[arch].syscalls)) {
      if (name in known && known[name] === undefined) unknownNr.set(`${ARCHES[arch].auditArch}:${(nr | ARCHES[arch].nrBit) >>> 0}`, name);
    }
  }
  const filters: { name: string; insns: readonly Insn[]; run: Run }[] = [
    { name: 'ours (@ea/profile)', insns: ours.insns, run: jit(ours.insns) },
    { name: "libseccomp's (python3-seccomp)", insns: theirs, run: jit(theirs) },
  ];
  log(`profile: ${count} calls; ours ${ours.insns.length} insns, libseccomp ${theirs.length}`);
  const { views, pcapPath } = seccompRecords(dir, count);
  let differences = 0;
  let unknownCalls = 0;
  const unknown = new Set<string>();
  for (const v of views) {
    if (filters[0]!.run(v) >>> 0 === filters[1]!.run(v) >>> 0) continue;
    const name = unknownNr.get(`${v.getUint32(4, true)}:${v.getUint32(0, true)}`);
    if (name === undefined) differences += 1;
    else {
      unknownCalls += 1;
      unknown.add(name);
    }
  }

  let note = nativeUnavailable();
  let binary: string | null = null;
  if (note === null) {
    try {
      binary = buildNativeHarness(filters.map((f) => f.insns), 'seccomp');
    } catch (error) {
      note = `gcc translation failed: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  const half = Math.max(1, Math.ceil(timing.reps / 2));
  const native = (): NativeResult[] | null => (binary === null ? null : runHarness(binary, pcapPath, half));
  const before = native();
  // ABBA: ours, theirs, theirs, ours.
  const ns = [0, 0];
  for (const i of [0, 1, 1, 0]) {
    log(`profile: JIT ${filters[i]!.name}`);
    ns[i]! += timePass(`profile ${filters[i]!.name}`, seccompPass(views, filters[i]!.run), views.length, timing) / 2;
  }
  const after = native();
  const rows = filters.map((f, i): ProfileRow => {
    const hash = seccompHash(views, f.run);
    const a = before?.[i];
    const b = after?.[i];
    const gccAgrees = a === undefined || b === undefined || (a.hash === hash && b.hash === hash);
    return { name: f.name, insns: f.insns.length, jit: ns[i]!, gcc: a === undefined || b === undefined ? null : median([...a.ns, ...b.ns]), agree: gccAgrees };
  });
  const profile = file === undefined || file === '' ? 'The built-in container profile (benchmarks/workloads/container-profile.ts)' : `EA_BENCH_PROFILE (${file.split('/').pop()})`;
  return { profile, calls: count, compileMs: median(times), rows, differences, unknownCalls, unknown: [...unknown].sort(), note };
}

function jit(insns: readonly Insn[]): Run {
  const compiled = compile(verify(insns, { profile: 'seccomp' }));
  if (!compiled.accelerated) throw new Error(`JIT fell back to the interpreter: ${compiled.reason ?? 'no reason given'}`);
  return compiled.run as Run;
}

const f = (n: number | null): string => (n === null ? '–' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** The Markdown section RESULTS.md appends. */
export function renderProfile(res: ProfileResults | string): string[] {
  const out = ['## Seccomp profile: @ea/profile against libseccomp (ns/call over the syscall mix)', ''];
  if (typeof res === 'string') return [...out, res];
  out.push(
    `${res.profile}, for x86_64 with x86 and x32, default caps, kernel 6.18, compiled by @ea/profile ` +
      `in ${f(res.compileMs)} ms, and libseccomp's filter for the same resolved rules, over ${res.calls} calls of the seccomp mix. ` +
      'The gcc loops run half before and half after the JIT ones.',
    '',
    '| filter | insns | our JIT ns/call | gcc -O2 ns/call | JIT/gcc | check |',
    '|---|---:|---:|---:|---:|---|',
    ...res.rows.map((r) => `| ${r.name} | ${r.insns} | ${f(r.jit)} | ${f(r.gcc)} | ${f(r.gcc === null ? null : r.jit / r.gcc)} | ${r.agree ? 'agree' : '**MISMATCH**'} |`),
    '',
    `Calls where the two filters answer differently: ${res.differences}` +
      (res.unknownCalls === 0
        ? '.'
        : `, besides ${res.unknownCalls} on syscalls the profile names and libseccomp does not know (${res.unknown.join(', ')}): libseccomp's filter gives them the default action, ours the profile's rule.`),
  );
  if (res.note !== null) out.push('', `gcc: ${res.note}`);
  return out;
}
