/** audit(): each finding on a filter that has the mistake, naming the instructions; none on one that does not. */
import { assemble } from '@ea/bpf';
import { audit, type Finding } from '@ea/explain';
import { verify } from '@ea/verifier';
import { describe, expect, it } from 'vitest';
import { committedPolicies } from '@ea/testkit';

const seccomp = (text: string) => verify(assemble(text), { profile: 'seccomp' });
const kinds = (f: readonly Finding[]) => f.map((x) => `${x.severity} ${x.kind}${x.arch ? ` ${x.arch}` : ''}`);

/** An x86_64 allow-list with an arch check (kills other arches and x32 numbers), deciding `body` on nr. */
function x86(body: string, fallback = 'ret #0x50001'): string {
  return `
    ld [4]
    jne #0xc000003e, kill
    ld [0]
    jge #0x40000000, kill
    ${body}
    ${fallback}
  allow: ret #0x7fff0000
  kill: ret #0x80000000
  `;
}

describe('audit', () => {
  it('finds nothing to warn about in a plain x86_64 allow-list', () => {
    expect(kinds(audit(seccomp(x86('jeq #0, allow\njeq #60, allow'))))).toEqual([]);
  });

  it('no architecture check, naming the nr test', () => {
    const f = audit(seccomp('ld [0]\njeq #59, kill\nret #0x7fff0000\nkill: ret #0'));
    const finding = f.find((x) => x.kind === 'no-arch-check')!;
    expect(finding.severity).toBe('high');
    expect(finding.message).toMatch(/never reads seccomp_data.arch/);
    expect(finding.pcs).toEqual([2]);
  });

  it('x32 numbers that run calls blocked as x86_64 numbers', () => {
    // x86_64 numbers below 0x40000000 are an allow-list; x32 numbers fall through to ALLOW.
    const f = audit(seccomp(`
      ld [4]
      jne #0xc000003e, kill
      ld [0]
      jge #0x40000000, allow
      jeq #0, allow
      ret #0x50001
    allow: ret #0x7fff0000
    kill: ret #0x80000000
    `));
    expect(kinds(f)).toContain('high x32-reachable x86_64');
    expect(f.find((x) => x.kind === 'x32-reachable')!.message).toMatch(/blocked as x86_64 numbers: \w+/);
  });

  it('default ALLOW', () => {
    expect(kinds(audit(seccomp(x86('jeq #101, deny', 'ret #0x7fff0000\ndeny: ret #0x50001'))))).toContain('medium default-allow x86_64');
  });

  it('a blocked syscall whose equivalent is allowed, and clone3 ENOSYS as info', () => {
    const f = audit(seccomp(x86('jeq #2, deny\njeq #257, allow\njeq #435, enosys\njeq #56, allow\njeq #57, allow\njeq #58, allow', 'ret #0x50001\ndeny: ret #0x50001\nenosys: ret #0x50026')));
    expect(f.find((x) => x.kind === 'equivalent-allowed' && /open/.test(x.message))!.severity).toBe('medium');
    expect(f.find((x) => x.kind === 'equivalent-allowed' && /clone3/.test(x.message))!.severity).toBe('info');
  });

  it('i386 socketcall allowed while socket rules restrict socket', () => {
    const f = audit(seccomp(`
      ld [4]
      jne #0x40000003, kill
      ld [0]
      jeq #102, allow
      jeq #359, sock
      ret #0x50001
    sock:
      ld [16]
      jeq #1, allow, deny
    deny: ret #0x50001
    allow: ret #0x7fff0000
    kill: ret #0x80000000
    `));
    const finding = f.find((x) => x.kind === 'equivalent-allowed' && x.arch === 'i386')!;
    expect(finding.message).toMatch(/socketcall/);
    expect(finding.pcs).toEqual(expect.arrayContaining([3, 4, 7, 8, 9]));
  });

  it('io_uring allowed while calls it performs are blocked', () => {
    const f = audit(seccomp(x86('jeq #425, allow\njeq #426, allow\njeq #0, allow')));
    expect(f.find((x) => x.kind === 'io-uring-bypass')!.message).toMatch(/write/);
  });

  it('decisions on instruction_pointer, naming the load and test', () => {
    const f = audit(seccomp(x86('jeq #0, ip', 'ret #0x50001\nip: ld [8]\njeq #0x1000, allow, deny\ndeny: ret #0x50001')));
    expect(f.find((x) => x.kind === 'instruction-pointer')!.pcs).toContain(9);
  });

  it('unreachable rules', () => {
    // The second test of nr 0 can never be reached with nr == 0.
    const f = audit(seccomp(x86('jeq #0, allow\njeq #0, deny', 'ret #0x50001\ndeny: ret #0x50002')));
    const finding = f.find((x) => x.kind === 'unreachable')!;
    expect(finding.severity).toBe('low');
    expect(finding.pcs).toEqual([7]);
  });

  it('libseccomp policies: only the trailing unused ret, and the denylist default ALLOW', () => {
    const byName = new Map(committedPolicies().map((p) => [p.name, verify(p.program, { profile: 'seccomp' })]));
    expect(kinds(audit(byName.get('allowlist')!))).toEqual(['info unreachable']);
    expect(kinds(audit(byName.get('denylist')!))).toContain('medium default-allow x86_64');
  });
});
