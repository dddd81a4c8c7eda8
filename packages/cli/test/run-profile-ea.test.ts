/**
 * `ea-bpf run FILE.json` for a profile with EA rules: the profile compiles to an `ea` filter, so
 * its calls come with their structs (--calls, the JSON lines of `--profile ea`, where `syscall`
 * may also name a plain syscall), flattened with what the filter reads, and each prints
 * {"ret", "action", "data", "copy"}. Before, such a profile failed closed on every call.
 */
import { compileProfile } from '@ea/profile';
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const file = tempFiles('ea-run-profile-ea-');
const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const NAMESPACES = 0x7e020000;
/** Docker's shape: errno default, an allowlist, clone under the namespace mask, clone3 under the same mask on clone_args.flags, openat2 with a u64 ordering. */
const PROFILE_TEXT = JSON.stringify({
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [
    { names: ['read', 'write', 'futex', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: NAMESPACES, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['clone3'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'flags', value: NAMESPACES, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['openat2'], action: 'SCMP_ACT_ALLOW', ea: [{ path: 'mode', value: 0o777, op: 'SCMP_CMP_LE' }] },
  ],
});
const PROFILE = file('docker-clone3.json', PROFILE_TEXT);

const tail = `${'00'.repeat(88)}01${'00'.repeat(7)}`;
const CALLS = file(
  'calls.jsonl',
  [
    '{"syscall": "clone3", "fields": {"flags": "0x3d0f00"}}', // glibc thread
    '{"syscall": "clone3", "fields": {"flags": "0x10000000", "exit_signal": 17}}', // CLONE_NEWUSER
    `{"syscall": "clone3", "bytes": "${tail}"}`, // a 96-byte struct with byte 88 set
    '{"syscall": "clone3", "pointer": "null", "size": 88}',
    '{"syscall": "openat2", "fields": {"mode": "0o777"}}',
    '{"syscall": "openat2", "fields": {"mode": 511}}',
    '{"syscall": "openat2", "fields": {"mode": 512}}',
    '{"syscall": "openat2", "fields": {"mode": "0x100000000"}}',
    '{"syscall": "write", "args": [1, "0x1000", 5]}',
    '{"nr": "ptrace", "args": [16]}',
    '{"nr": 202}',
    '# comments and blank lines are skipped',
    '',
  ].join('\n'),
);

/** What each well-formed line must print: the action and data, and the syscall's own copy outcome (line 5 is malformed). */
const EXPECTED = [
  ['allow', 0, 'ok'],
  ['errno', 1, 'ok'],
  ['errno', 7, 'E2BIG'], // the tail-zero guard answers E2BIG, as copy_struct_from_user would
  ['allow', 0, 'EFAULT'], // flags read as 0 in the copy-failed image; the syscall's copy fails
  ['allow', 0, 'ok'],
  ['errno', 1, 'ok'],
  ['errno', 1, 'ok'],
  ['allow', 0, 'none'],
  ['errno', 1, 'none'],
  ['allow', 0, 'none'],
];

describe('ea-bpf run FILE.json with EA rules', () => {
  it('the profile compiles to an ea filter (what the CLI then runs)', () => {
    expect(compileProfile(PROFILE_TEXT, { arch: 'x86_64' }).profile).toBe('ea');
  });

  it.each([
    ['jit', 'jump-table'],
    ['interp', 'jump-table'],
    ['jit', 'fixed-window'],
    ['interp', 'fixed-window'],
  ])('runs clone3, openat2 and plain calls from --calls (--engine %s, --strategy %s)', async (engine, strategy) => {
    const r = await cli(['run', PROFILE, '--calls', CALLS, '--engine', engine, '--strategy', strategy]);
    const lines = jsonLines(r.stdout);
    // Line 5 is malformed ("0o777" is no decimal or 0x number): an error line in its place, exit 1.
    expect(lines[4]).toEqual({ line: 5, error: expect.stringMatching(/field mode: "0o777" is not a decimal or 0x-hex number/) as unknown });
    expect(r.code).toBe(1);
    const results = lines.filter((l) => !('error' in l));
    expect(results.map((l) => [l['action'], l['data'], l['copy']])).toEqual(EXPECTED);
    for (const l of results) expect(Object.keys(l)).toEqual(['ret', 'action', 'data', 'copy']);
  });

  it('runs plain syscalls from --inputs/--nr and refuses, with a usage error, a call whose struct the EA rules read', async () => {
    const inputs = file('inputs.txt', 'write 1 0 5\nptrace 16\nopenat 0 0\n');
    const plain = await cli(['run', PROFILE, '--inputs', inputs]);
    expect(plain.code).toBe(0);
    expect(jsonLines(plain.stdout).map((l) => l['action'])).toEqual(['allow', 'errno', 'errno']);
    const clone3 = await cli(['run', PROFILE, '--nr', 'clone3']);
    expect(clone3.code).toBe(2);
    expect(clone3.stderr).toMatch(/the profile's EA rules: clone3 \(435\) passes a struct the filter reads; describe the call with --calls FILE/);
    // Not an EA syscall of this profile: registers alone decide.
    const sched = await cli(['run', PROFILE, '--nr', 'sched_setattr']);
    expect(jsonLines(sched.stdout)).toEqual([{ ret: 0x50001, action: 'errno', data: 1, copy: 'none' }]);
  });

  it('gives every malformed call a line error naming what is wrong, and runs the others', async () => {
    const bad = file(
      'bad.jsonl',
      [
        'not json',
        '[1, 2]',
        '{"syscall": "nope"}',
        '{"syscall": 435}',
        '{"syscall": "clone3", "fields": {"flagz": 1}}',
        '{"syscall": "clone3", "fields": {"flags": "0x1ffffffffffffffff"}}',
        '{"syscall": "clone3", "bytes": "0g"}',
        '{"syscall": "clone3", "nr": 39}',
        '{"syscall": "write", "fields": {"flags": 1}}',
        '{"syscall": "clone3", "pointer": "elsewhere"}',
        '{"syscall": "clone3", "extra": 1}',
        '{"syscall": "write"}',
      ].join('\n'),
    );
    const r = await cli(['run', PROFILE, '--calls', bad]);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines.slice(0, 11).map((l) => l['line'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(lines.slice(0, 11).map((l) => l['error'])).toEqual([
      expect.stringMatching(/^not JSON/),
      'a call is a JSON object',
      expect.stringMatching(/syscall "nope" is neither an EA syscall .* nor a syscall name of x86_64/),
      '"syscall" must be a syscall name',
      expect.stringMatching(/clone_args has no field "flagz"/),
      expect.stringMatching(/field flags: .* is larger than/),
      '"bytes" must be hex digit pairs',
      'nr 39 is not clone3 (435)',
      '"fields": syscall 1 has no EA struct',
      '"pointer" must be "struct" (default), "null" or "unmapped"',
      expect.stringMatching(/unknown key "extra"/),
    ]);
    expect(lines[11]).toEqual({ ret: 0x7fff0000, action: 'allow', data: 0, copy: 'none' });
  });

  it('refuses --needs for a profile (its filter says what it reads)', async () => {
    const r = await cli(['run', PROFILE, '--calls', CALLS, '--needs', 'set_tid=8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--needs: a profile says what its filter reads/);
  });

  it('a profile without EA rules still refuses --calls', async () => {
    const plain = file('plain.json', JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ERRNO' }] }));
    const r = await cli(['run', plain, '--calls', CALLS]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--calls is for ea filters/);
  });
});
