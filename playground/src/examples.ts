/**
 * The built-in examples: each is text the page could have been given, with the profile and arch
 * it is meant for. The EA example is the seed's clone3 filter, built by @ea/policy exactly as
 * examples/ea-clone3-set-tid.ts builds it, then written out as bpf_asm.
 */
import { disassemble } from '@ea/bpf';
import { buildFilter, type Check, needsOf, version } from '@ea/policy';
import { ARCHES } from '@ea/seccomp';
import { defaultEngine } from '@ea/workbench';

/** What the page reads: a program (any @ea/bpf format) or a profile JSON. */
export type InputKind = 'program' | 'profile';

/** One built-in example. */
export interface Example {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  /** The verifier profile a program is checked under (profiles always compile to seccomp). */
  readonly profile: 'seccomp' | 'socket' | 'ea';
}

const ALLOWLIST = `; x86_64 only: getpid allowed, openat refused with EACCES, everything else kills
  ld [4]
  jeq #0xc000003e, arch_ok, kill
arch_ok:
  ld [0]
  jeq #39, allow
  jeq #257, deny, kill
allow:
  ret #0x7fff0000
deny:
  ret #0x0005000d
kill:
  ret #0
`;

/** `tcpdump -d 'udp dst port 53'` style listing (IPv4 over Ethernet). */
const TCPDUMP = `(000) ldh      [12]
(001) jeq      #0x800           jt 2	jf 8
(002) ldb      [23]
(003) jeq      #0x11            jt 4	jf 8
(004) ldxb     4*([14]&0xf)
(005) ldh      [x + 16]
(006) jeq      #0x35            jt 7	jf 8
(007) ret      #262144
(008) ret      #0
`;

const PROFILE = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    { "names": ["read", "write", "close", "exit_group", "getpid", "futex", "mmap", "munmap", "brk"], "action": "SCMP_ACT_ALLOW" },
    { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 0, "op": "SCMP_CMP_EQ" }] },
    { "names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 8, "op": "SCMP_CMP_EQ" }] },
    { "names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS" }
  ]
}
`;

/** A Docker-like profile where clone3 is allowed under Docker's namespace mask on clone_args.flags (an EA rule). */
const PROFILE_EA = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    { "names": ["read", "write", "close", "mmap", "munmap", "futex", "exit_group", "rt_sigreturn"], "action": "SCMP_ACT_ALLOW" },
    { "names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{ "index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" }] },
    { "names": ["clone3"], "action": "SCMP_ACT_ALLOW", "ea": [{ "path": "flags", "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ" }] }
  ]
}
`;

/** The seed's question: allow clone3 only when set_tid[0] == 34 (jump-table flattening). */
function clone3Text(): string {
  const v = version('clone3');
  const checks: Check[] = [{ path: 'set_tid[0]', test: { op: 'eq', value: 34n } }];
  const built = buildFilter({
    arch: ARCHES.x86_64,
    nr: v.sys.nr,
    struct: v.struct,
    placement: defaultEngine().placement(v.sys, 'jump-table', needsOf(v.struct, checks)),
    checks,
    guard: 'tailzero',
  });
  return `; clone3: allow only when set_tid[0] == 34 (EA image, jump-table strategy)\n${disassemble(built.insns)}`;
}

/** A bpf_conformance-style case: eBPF assembly, and one packet (`-- mem`) the run view starts with. */
const EBPF = `# r1 = the packet, r2 = its length (uBPF's convention): r0 = the IPv4 protocol, 0 otherwise.
-- asm
mov %r0, 0
jlt %r2, 34, out      # shorter than Ethernet + IPv4
ldxh %r3, [%r1+12]    # EtherType
be16 %r3
jne %r3, 0x800, out
ldxb %r0, [%r1+23]    # IPv4 protocol
out:
exit
-- mem
00 11 22 33 44 55 66 77 88 99 aa bb 08 00 45 00 00 1c 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02
-- result
0x11
`;

/** Lists the built-in examples, in the order the page offers them. */
export function examples(): readonly Example[] {
  return [
    { id: 'allowlist', title: 'seccomp allow-list (bpf_asm)', text: ALLOWLIST, profile: 'seccomp' },
    { id: 'clone3', title: 'EA: clone3 set_tid[0] == 34', text: clone3Text(), profile: 'ea' },
    { id: 'profile', title: 'Docker-like profile (JSON)', text: PROFILE, profile: 'seccomp' },
    { id: 'profile-ea', title: 'Docker-like profile with the EA clone3 rule', text: PROFILE_EA, profile: 'seccomp' },
    { id: 'tcpdump', title: 'tcpdump -d: udp dst port 53', text: TCPDUMP, profile: 'socket' },
    { id: 'ebpf', title: 'eBPF assembly (bpf_conformance case)', text: EBPF, profile: 'socket' },
  ];
}
