import { describe, expect, it } from 'vitest';
import { ALLOWED, runAllowlist } from '../seccomp-allowlist.js';
import { runExample } from './support/run-example.js';

// Numbers from arch/x86/entry/syscalls/syscall_64.tbl, written out here so the test does not
// trust the table the example resolves names through.
const X86_64: Record<string, number> = {
  read: 0, write: 1, close: 3, fstat: 5, mmap: 9, mprotect: 10, munmap: 11, brk: 12, rt_sigreturn: 15,
  socket: 41, futex: 202, clock_gettime: 228, exit_group: 231, openat: 257, getrandom: 318,
};

describe('examples/seccomp-allowlist.ts', () => {
  const result = runAllowlist();

  it('resolves every allowed name to its x86_64 number in the source', () => {
    for (const name of ALLOWED) {
      expect(result.source).toMatch(new RegExp(`jeq #${X86_64[name]}, allow\\s+; ${name}\\n`));
    }
    expect(result.source).toMatch(/jeq #41, socket/);
  });

  it('answers each call as the policy says, the JIT agreeing with the interpreter', () => {
    expect(result.rows.map((r) => [r.label, r.interpreter])).toEqual([
      ['write(1, buf, 5)', 'ALLOW'],
      ['getrandom(buf, 16, 0)', 'ALLOW'],
      ['socket(AF_UNIX, SOCK_STREAM, 0)', 'ALLOW'],
      ['socket(AF_INET, SOCK_STREAM, 0)', 'ERRNO(1)'],
      ['execve("/bin/sh", ...)', 'ERRNO(1)'],
      ['ptrace(PTRACE_ATTACH, 1)', 'ERRNO(1)'],
      ['write via the x32 ABI', 'KILL_PROCESS'],
      ['write via int 0x80 (i386)', 'KILL_PROCESS'],
    ]);
    for (const r of result.rows) expect(r.jit).toBe(r.interpreter);
    expect(result.accelerated).toBe(true);
  });

  it('prints the disassembly with seccomp comments', () => {
    expect(result.listing).toMatch(/^ {2}ld \[4\] ; arch$/m);
    expect(result.listing).toMatch(/^ {2}ld \[0\] ; nr$/m);
    expect(result.listing).toMatch(/^ {2}ld \[16\] ; args\[0\]$/m);
    expect(result.listing).toMatch(/ret #0x50001 ; ERRNO\(1\)/);
    expect(result.listing).toMatch(/ret #0x7fff0000 ; ALLOW/);
  });

  it('caches exactly the unconditional allows plus the hard-wired uretprobe/uprobe', () => {
    const expected = [...ALLOWED.map((n) => X86_64[n]!), 335, 336].sort((a, b) => a - b);
    expect(result.cacheAllowed).toEqual(expected);
    expect(result.cacheAllowed).not.toContain(X86_64['socket']);
  });

  it('runs as a script and prints the same report', () => {
    const out = runExample('seccomp-allowlist');
    expect(out).toBe(result.text);
    expect(out).toMatch(/16 of \d+ numbers skip the filter/);
  });
});
