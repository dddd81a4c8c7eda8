/**
 * Why a program is rejected: five broken seccomp filters, each failing a different check of the
 * kernel's loader (bpf_check_classic, check_load_and_stores, seccomp_check_filter), and the
 * verifier's diagnostic for each: the reason code, the pc, the errno seccomp(2) would return,
 * the formatted instruction, and the listing with the failing line marked like a compiler error.
 * The diagnostic is @ea/verifier's formatDiagnostic, the same text `pnpm ea-bpf verify FILE
 * --profile seccomp` prints from the command line.
 *
 * Run: npx tsx examples/explain-reject.ts
 */
import { assemble } from '@ea/bpf';
import { check, formatDiagnostic, type Profile } from '@ea/verifier';

/** A broken program: what is wrong with it, in bpf_asm. */
export interface BrokenProgram {
  readonly title: string;
  readonly profile: Profile;
  readonly source: string;
}

/** The programs, each with one mistake. */
export const BROKEN: readonly BrokenProgram[] = [
  {
    title: 'scratch cell read before a store on one path only',
    profile: 'seccomp',
    source: `
  ld [0]                ; nr
  jeq #2, skip          ; open(2) skips the store ...
  st M[0]
skip:
  ld M[0]               ; ... so M[0] is unset on that path
  ret a
`,
  },
  {
    title: 'modulo in a seccomp filter (fine on a socket, refused by seccomp_check_filter)',
    profile: 'seccomp',
    source: `
  ld [16]               ; args[0] low word
  mod #3
  jeq #0, allow
  ret #0x50001
allow:
  ret #0x7fff0000
`,
  },
  {
    title: 'misaligned load: seccomp_data is read in aligned 32-bit words',
    profile: 'seccomp',
    source: `
  ld [2]                ; half of nr, half of arch
  ret #0x7fff0000
`,
  },
  {
    title: 'jump past the end of the program',
    profile: 'seccomp',
    source: `
  ld [0]
  jeq #59, +5           ; execve: five instructions past the last one
  ret #0x7fff0000
`,
  },
  {
    title: 'no final ret: execution could run off the end',
    profile: 'seccomp',
    source: `
  ld [0]
  jeq #59, deny
  ret #0x7fff0000
deny:
  ld [4]
`,
  },
];

/** What the verifier said about one program. */
export interface Rejection {
  readonly title: string;
  readonly reason: string;
  readonly pc: number | null;
  readonly errno: string;
  readonly errnoNumber: number;
  readonly instruction: string | null;
  /** formatDiagnostic's text: a header and the listing around the failing instruction, marked. */
  readonly diagnostic: string;
}

/** Runs the example: check every broken program and explain the refusal. */
export function explainRejects(): { readonly rejections: readonly Rejection[]; readonly text: string } {
  const rejections = BROKEN.map((b) => {
    const insns = assemble(b.source);
    const result = check(insns, { profile: b.profile });
    if (result.ok) throw new Error(`"${b.title}" was accepted`);
    const e = result.error;
    const diagnostic = `${formatDiagnostic(`broken-${BROKEN.indexOf(b) + 1}.bpf`, insns, e)}  -> seccomp(2) fails with ${e.errno} (${e.errnoNumber})`;
    return {
      title: b.title,
      reason: e.reason,
      pc: e.pc,
      errno: e.errno,
      errnoNumber: e.errnoNumber,
      instruction: e.instruction,
      diagnostic,
    };
  });
  const text = [
    '== why the verifier rejects a program ==',
    ...rejections.flatMap((r, i) => [`-- ${i + 1}. ${r.title}`, r.diagnostic, '']),
  ].join('\n');
  return { rejections, text };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(explainRejects().text);
}
