/**
 * A seccomp allow-list written in bpf_asm: check the architecture, refuse the x32 ABI, allow a
 * dozen syscalls named through @ea/seccomp's x86_64 table (socket only for AF_UNIX), and answer
 * everything else with ERRNO(EPERM). The program is verified as seccomp(2) would, disassembled
 * with seccomp comments, run through the interpreter and the JIT, and handed to the verifier's
 * emulation of the kernel's constant-action cache (which syscalls skip the filter entirely).
 *
 * Run: npx tsx examples/seccomp-allowlist.ts
 */
import {
  AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, X32_SYSCALL_BIT,
  assemble, disassemble,
} from '@ea/bpf';
import { prepare } from '@ea/interpreter';
import { compile } from '@ea/jit';
import { ARCHES, callData, formatAction, syscallCount, syscallName, syscallNumber, writeSeccompData } from '@ea/seccomp';
import { constantAllowed, verify } from '@ea/verifier';

/** The syscalls allowed unconditionally. */
export const ALLOWED: readonly string[] = [
  'read', 'write', 'close', 'fstat', 'mmap', 'mprotect', 'munmap', 'brk',
  'rt_sigreturn', 'futex', 'openat', 'getrandom', 'clock_gettime', 'exit_group',
];
/** socket(2) is allowed only for this domain (args[0]): AF_UNIX. */
export const AF_UNIX = 1;
const AF_INET = 2;
const EPERM = 1;

function nr(name: string): number {
  const n = syscallNumber('x86_64', name);
  if (n === undefined) throw new Error(`x86_64 has no syscall ${name}`);
  return n;
}

/** Builds the filter's bpf_asm text, every syscall number looked up by name. */
export function allowlistSource(): string {
  const hex = (n: number): string => `#0x${n.toString(16)}`;
  const line = (code: string, comment = ''): string => (comment === '' ? `  ${code}` : `  ${code.padEnd(28)} ; ${comment}`);
  return [
    line('ld [4]', 'seccomp_data.arch'),
    line(`jne ${hex(AUDIT_ARCH_X86_64)}, kill`, 'not x86_64: kill the process'),
    line('ld [0]', 'seccomp_data.nr'),
    line(`jge ${hex(X32_SYSCALL_BIT)}, kill`, 'x32 ABI (same arch value, nr | X32_SYSCALL_BIT)'),
    ...ALLOWED.map((name) => line(`jeq #${nr(name)}, allow`, name)),
    line(`jeq #${nr('socket')}, socket`, 'socket: look at the domain'),
    line(`ret ${hex(SECCOMP_RET_ERRNO | EPERM)}`, 'everything else: ERRNO(EPERM)'),
    'socket:',
    line('ld [16]', 'args[0], low word (x86_64 is little-endian)'),
    line(`jeq #${AF_UNIX}, allow`, 'AF_UNIX only'),
    line(`ret ${hex(SECCOMP_RET_ERRNO | EPERM)}`),
    'allow:',
    line(`ret ${hex(SECCOMP_RET_ALLOW)}`, 'ALLOW'),
    'kill:',
    line(`ret ${hex(SECCOMP_RET_KILL_PROCESS)}`, 'KILL_PROCESS'),
    '',
  ].join('\n');
}

/** One call of the demonstration and what both engines answered. */
export interface CallRow {
  readonly label: string;
  readonly interpreter: string;
  readonly jit: string;
}

/** What the example computes, and the report it prints. */
export interface AllowlistResult {
  readonly source: string;
  readonly listing: string;
  readonly rows: readonly CallRow[];
  /** Whether the JIT generated code (false: it fell back to the interpreter). */
  readonly accelerated: boolean;
  /** Syscall numbers the kernel's cache marks always-allowed for this filter on x86_64. */
  readonly cacheAllowed: readonly number[];
  readonly text: string;
}

/** Runs the example: assemble, verify, disassemble, run both engines, emulate the cache. */
export function runAllowlist(): AllowlistResult {
  const source = allowlistSource();
  const program = verify(assemble(source), { profile: 'seccomp' });
  const listing = disassemble(program.insns, { seccomp: true });
  const interpreter = prepare(program);
  const jit = compile(program);

  const view = new DataView(new ArrayBuffer(64));
  const calls: { label: string; arch: 'x86_64' | 'x32' | 'i386'; name: string; args?: number[] }[] = [
    { label: 'write(1, buf, 5)', arch: 'x86_64', name: 'write', args: [1, 0x1000, 5] },
    { label: 'getrandom(buf, 16, 0)', arch: 'x86_64', name: 'getrandom', args: [0x1000, 16, 0] },
    { label: 'socket(AF_UNIX, SOCK_STREAM, 0)', arch: 'x86_64', name: 'socket', args: [AF_UNIX, 1, 0] },
    { label: 'socket(AF_INET, SOCK_STREAM, 0)', arch: 'x86_64', name: 'socket', args: [AF_INET, 1, 0] },
    { label: 'execve("/bin/sh", ...)', arch: 'x86_64', name: 'execve', args: [0x2000, 0, 0] },
    { label: 'ptrace(PTRACE_ATTACH, 1)', arch: 'x86_64', name: 'ptrace', args: [16, 1] },
    { label: 'write via the x32 ABI', arch: 'x32', name: 'write', args: [1, 0x1000, 5] },
    { label: 'write via int 0x80 (i386)', arch: 'i386', name: 'write', args: [1, 0x1000, 5] },
  ];
  const rows = calls.map((c) => {
    const data = callData(c.arch, c.name, c.args ?? []);
    writeSeccompData(view, data, ARCHES[c.arch].endian);
    return { label: c.label, interpreter: formatAction(interpreter.runSeccomp(view)), jit: formatAction(jit.run(view)) };
  });

  // The bitmap is NR_syscalls of the kernel modelled (6.18, as on the machine the README was
  // written on): the hard-wired uretprobe and uprobe come with it.
  const count = syscallCount('x86_64', '6.18');
  const cacheAllowed = constantAllowed([program], { arch: AUDIT_ARCH_X86_64, kernel: '6.18' });

  const lines = [
    '== seccomp allow-list for x86_64 ==',
    `source (${program.insns.length} instructions, verified for seccomp(2)):`,
    source,
    'disassembly with seccomp comments:',
    listing,
    `calls (interpreter and ${jit.accelerated ? 'JIT' : `JIT fallback: ${jit.reason ?? '?'}`}):`,
    ...rows.map((r) => `  ${r.label.padEnd(34)} interpreter ${r.interpreter.padEnd(14)} JIT ${r.jit}`),
    `  (i386 arch value 0x${AUDIT_ARCH_I386.toString(16)} is not x86_64's: killed by the arch check)`,
    '',
    `constant-action cache (seccomp_cache_prepare, Linux 6.18), ${cacheAllowed.length} of ${count} numbers skip the filter:`,
    ...cacheAllowed.map((n) => `  ${String(n).padStart(3)} ${syscallName('x86_64', n) ?? '?'}${n === 335 || n === 336 ? ' (hard-wired)' : ''}`),
    `  socket (${nr('socket')}) is not cached: its verdict depends on args[0], so the filter runs on every call.`,
    '',
  ];
  return { source, listing, rows, accelerated: jit.accelerated, cacheAllowed, text: lines.join('\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(runAllowlist().text);
}
