/**
 * A Docker-default-like profile (a few rules written here, not Docker's file) where clone3 is no
 * longer answered ENOSYS: it is allowed under the same namespace-flag mask Docker's profile puts
 * on clone's arg0 (`flags & 0x7E020000 == 0`), now checked on clone_args.flags through an `ea`
 * rule. @ea/profile compiles the whole profile to one `ea` filter; @ea/layout flattens each call;
 * the interpreter and the JIT run it. Then @ea/workbench's compatibility matrix for the clone3
 * policy (old and new filter x old and new kernel x programs): every cell fail-safe.
 *
 * Run: npx tsx examples/docker-clone3.ts
 */
import { AddressSpace } from '@ea/layout';
import { type Strategy, version } from '@ea/policy';
import { compileProfile, type CompiledProfile, planEa } from '@ea/profile';
import { ARCHES, callData, writeSeccompData } from '@ea/seccomp';
import { actionName, CLONE3, compatMatrix, defaultEngine, type Program, programBytes, STRUCT_ADDRESS, type Scenario } from '@ea/workbench';

/** The namespace flags Docker's default profile refuses on clone (CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET). */
export const NAMESPACE_MASK = 0x7e020000;

/** The profile: Docker's shape (errno default, an allowlist, clone's arg0 mask), clone3 under the same mask. */
export const PROFILE = JSON.stringify(
  {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['read', 'write', 'close', 'mmap', 'munmap', 'futex', 'exit_group', 'rt_sigreturn'], action: 'SCMP_ACT_ALLOW' },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: NAMESPACE_MASK, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
      { names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'flags', value: NAMESPACE_MASK, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    ],
  },
  null,
  2,
);

const x86 = ARCHES.x86_64;
const engine = defaultEngine();
const STRUCT = 0x7f0000001000n;
const SIGCHLD = 17n;
/** glibc's pthread_create: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID. */
export const GLIBC_THREAD = 0x3d0f00n;
/** CLONE_NEWUSER. */
export const CLONE_NEWUSER = 0x10000000n;

/** One row of the report. */
export interface Row {
  readonly label: string;
  readonly interpreter: string;
  readonly jit: string;
}

function runBoth(c: CompiledProfile, view: DataView): { interpreter: string; jit: string } {
  return { interpreter: actionName(engine.interpret(c.program, view) >>> 0), jit: actionName(engine.jit!(c.program, view) >>> 0) };
}

/** A clone3 call: clone_args of `usize` bytes with flags, exit_signal and optionally a non-zero byte at `tail`. */
function clone3(c: CompiledProfile, flags: bigint, usize = 88, tail?: number): { interpreter: string; jit: string } {
  const target = c.ea.find((t) => t.syscall === 'clone3')!;
  const bytes = new DataView(new ArrayBuffer(usize));
  bytes.setBigUint64(0, flags, true);
  bytes.setBigUint64(32, SIGCHLD, true);
  if (tail !== undefined) bytes.setUint8(tail, 1);
  const call = {
    regs: { nr: target.version.sys.nr, arch: x86.auditArch, args: [STRUCT, BigInt(usize)] },
    memory: new AddressSpace().map(STRUCT, new Uint8Array(bytes.buffer)),
  };
  return runBoth(c, engine.image(call, target.version.sys, target.strategy, target.needs).view);
}

/** A call without a struct: seccomp_data, the rest of the image zero. */
function plain(c: CompiledProfile, name: string, args: bigint[]): { interpreter: string; jit: string } {
  const view = new DataView(new ArrayBuffer(80));
  writeSeccompData(view, callData('x86_64', name, args), 'le');
  return runBoth(c, view);
}

/** The clone3 scenario of the matrix with this profile's checks, for both filter ages. */
export function scenario(strategy: Strategy): Scenario {
  const compiled = compileProfile(PROFILE, { arch: 'x86_64', eaStrategy: strategy });
  const checks = planEa(compiled.resolved, x86, strategy).rules.get('syscalls[2]')!.get('clone3')!.checks;
  return {
    ...CLONE3,
    name: 'clone3 (docker-clone3 profile)',
    versions: { old: version('clone3', 'VER0'), new: version('clone3', 'VER2') },
    filters: { old: checks, new: checks },
    programs: [
      { name: 'VER0 glibc thread', version: 'old', fields: { flags: GLIBC_THREAD } },
      { name: 'VER0 fork', version: 'old', fields: { exit_signal: SIGCHLD } },
      { name: 'VER0 NEWUSER', version: 'old', fields: { flags: CLONE_NEWUSER, exit_signal: SIGCHLD } },
      { name: 'VER2 glibc thread', version: 'new', fields: { flags: GLIBC_THREAD } },
      { name: 'VER2 cgroup=5', version: 'new', fields: { flags: 1n << 33n, exit_signal: SIGCHLD, cgroup: 5n } },
      { name: 'VER2 NEWUSER', version: 'new', fields: { flags: CLONE_NEWUSER, exit_signal: SIGCHLD } },
      { name: 'VER2 NULL', version: 'new', fields: {}, pointer: 'null' },
      { name: 'VER2 unmapped', version: 'new', fields: {}, pointer: 'unmapped' },
    ],
    shown: ['flags'],
  };
}

/** An address nothing is mapped at (as the matrix's calls use). */
const UNMAPPED = 0x7f0000100000n;

/**
 * The profile's own filter over the image a kernel of `kernel` age builds for a matrix program:
 * the matrix builds its filters with @ea/policy's buildFilter, this runs the one @ea/profile
 * compiled, which must agree with the matrix's new filter (both know the 88-byte clone_args).
 */
function profileVerdict(c: CompiledProfile, sc: Scenario, kernel: 'old' | 'new', program: Program): string {
  const target = c.ea.find((t) => t.syscall === 'clone3')!;
  const kv = sc.versions[kernel];
  const bytes = programBytes(sc, program);
  const pointer = program.pointer ?? 'struct';
  const call = {
    regs: { nr: kv.sys.nr, arch: x86.auditArch, args: [pointer === 'struct' ? STRUCT_ADDRESS : pointer === 'null' ? 0n : UNMAPPED, BigInt(bytes.length)] },
    memory: new AddressSpace().map(STRUCT_ADDRESS, bytes),
  };
  const r = runBoth(c, engine.image(call, kv.sys, target.strategy, target.needs).view);
  return r.interpreter === r.jit ? r.interpreter : `${r.interpreter}/${r.jit}`;
}

/** Everything the example shows, for one flattening strategy. */
export interface Report {
  readonly strategy: Strategy;
  readonly compiled: CompiledProfile;
  readonly rows: readonly Row[];
  /** The matrix cells: [filter, kernel, program, interpreter verdict, JIT verdict, fail-safe, the profile filter's verdict on new-filter cells ('-' on old)]. */
  readonly cells: readonly (readonly [string, string, string, string, string, boolean, string])[];
  readonly allFailSafe: boolean;
  readonly text: string;
}

/** Compiles the profile, runs the calls and the matrix with one strategy. */
export function runDockerClone3(strategy: Strategy): Report {
  const c = compileProfile(PROFILE, { arch: 'x86_64', eaStrategy: strategy });
  const row = (label: string, r: { interpreter: string; jit: string }): Row => ({ label, ...r });
  const rows: Row[] = [
    row('clone3 glibc thread (VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID)', clone3(c, GLIBC_THREAD)),
    row('clone3 fork (flags 0)', clone3(c, 0n)),
    row('clone3 CLONE_NEWUSER', clone3(c, CLONE_NEWUSER)),
    row('clone3 glibc thread | CLONE_NEWNET', clone3(c, GLIBC_THREAD | 0x40000000n)),
    row('clone3 fork, 96-byte struct, zero tail', clone3(c, 0n, 96)),
    row('clone3 fork, 96-byte struct, byte 88 set', clone3(c, 0n, 96, 88)),
    row('clone(CLONE_NEWUSER)', plain(c, 'clone', [CLONE_NEWUSER])),
    row('clone(glibc thread)', plain(c, 'clone', [GLIBC_THREAD])),
    row('write(1, buf, 5)', plain(c, 'write', [1n, 0n, 5n])),
    row('ptrace(PTRACE_ATTACH)', plain(c, 'ptrace', [16n])),
  ];
  const sc = scenario(strategy);
  const m = compatMatrix(sc, engine, { guard: 'tailzero', strategy });
  const cells = m.cells.map((x) => {
    const program = sc.programs.find((p) => p.name === x.program)!;
    const own = x.filter === 'new' ? profileVerdict(c, sc, x.kernel, program) : '-';
    return [x.filter, x.kernel, x.program, x.verdict, x.jitVerdict ?? '-', x.failSafe && x.jitVerdict === x.verdict, own] as const;
  });
  const allFailSafe = cells.every((x) => x[5]);
  const lines = [
    `== docker-clone3: ${strategy} ==`,
    `profile: ${c.profile}, ${c.insns.length} instructions, clone3 struct ${c.ea[0]!.version.struct.name} (${c.ea[0]!.version.struct.size} bytes known)`,
    ...rows.map((r) => `-- ${r.label}\n   verdict: interpreter ${r.interpreter}, JIT ${r.jit}`),
    'compatibility matrix (filter, kernel, program: interpreter / JIT [the profile filter], fail-safe)',
    ...cells.map(([f, k, p, v, j, ok, own]) => `   ${f} filter, ${k} kernel, ${p}: ${v} / ${j}${own === '-' ? '' : ` [${own}]`}${ok ? '' : '  NOT FAIL-SAFE'}`),
    `all fail-safe, interpreter = JIT: ${allFailSafe}`,
  ];
  return { strategy, compiled: c, rows, cells, allFailSafe, text: lines.join('\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${runDockerClone3('jump-table').text}\n${runDockerClone3('fixed-window').text}\n`);
}
