/**
 * `ea-bpf run --profile ea`: the filter reads the caller's struct, so a call is given with its
 * memory (--calls, JSON lines) and flattened with --strategy; a bare `--nr 435` is refused
 * instead of answering for a clone3 without clone_args (issue 17, item 4).
 */
import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './support/cli.js';

const file = tempFiles('ea-run-ea-');
const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Forbids CLONE_NEWUSER in clone3's flags, reading the root through ea_meta.root (both strategies). */
const NO_NEWUSER = file(
  'newuser.s',
  `ld [4]
jeq #0xc000003e, arch, kill
arch: ld [0]
jeq #435, clone3, allow
clone3: ld [72]
tax
ld [x + 0]
jset #0x10000000, deny, allow
deny: ret #0x50001
allow: ret #0x7fff0000
kill: ret #0
`,
);

/** docs/ea-image.md's jump-table example: set_tid[0] must be 34. */
const SET_TID = file(
  'settid.s',
  `ld [0]
jeq #435, clone3, allow
clone3: ld [144]
jeq #0, deny
tax
ld [x + 0]
jeq #34, allow, deny
deny: ret #0x50001
allow: ret #0x7fff0000
`,
);

describe('ea-bpf run --profile ea', () => {
  it('refuses --nr and --inputs for an EA syscall with a usage error naming --calls', async () => {
    const r = await cli(['run', NO_NEWUSER, '--profile', 'ea', '--nr', '435']);
    // Before: exit 0 and {"action":"allow"} for every --nr 435, whatever the flags.
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clone3 \(435\) passes a struct the filter reads; describe the call with --calls FILE/);
    expect(r.stdout).toBe('');
    const inputs = file('inputs.txt', '39\nclone3 0x1000 88\n');
    expect((await cli(['run', NO_NEWUSER, '--profile', 'ea', '--inputs', inputs])).code).toBe(2);
    // A syscall without a struct still runs: the filter sees an empty ea_meta.
    const plain = await cli(['run', NO_NEWUSER, '--profile', 'ea', '--nr', 'getpid']);
    expect(plain.code).toBe(0);
    expect(jsonLines(plain.stdout)).toEqual([{ ret: 0x7fff0000, action: 'allow', data: 0, copy: 'none' }]);
  });

  const CALLS = file(
    'calls.jsonl',
    [
      '{"syscall": "clone3", "fields": {"flags": "0x10000000", "exit_signal": 17}}',
      '{"syscall": "clone3", "fields": {"exit_signal": 17}}',
      '{"syscall": "clone3", "version": "VER0", "fields": {"flags": 268435456}}',
      '{"syscall": "clone3", "bytes": "00000010000000000000000000000000"}',
      '{"syscall": "clone3", "pointer": "null", "size": 88}',
      '{"syscall": "clone3", "pointer": "unmapped", "size": 88}',
      '{"nr": 39}',
    ].join('\n'),
  );
  const WANT = [
    { action: 'errno', copy: 'ok' },
    { action: 'allow', copy: 'ok' },
    { action: 'errno', copy: 'ok' }, // a 64-byte VER0 caller
    { action: 'errno', copy: 'EINVAL' }, // the same flags as 16 raw bytes: clone3 refuses the size, the filter still denies
    { action: 'allow', copy: 'EFAULT' }, // the copy fails: an all-zero struct with FAULT, the syscall faults
    { action: 'allow', copy: 'EFAULT' },
    { action: 'allow', copy: 'none' },
  ];
  for (const strategy of ['jump-table', 'fixed-window']) {
    for (const engine of ['jit', 'interp']) {
      it(`--calls: the struct's flags decide (${strategy}, ${engine})`, async () => {
        const r = await cli(['run', NO_NEWUSER, '--profile', 'ea', '--calls', CALLS, '--strategy', strategy, '--engine', engine]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(jsonLines(r.stdout).map(({ action, copy }) => ({ action, copy }))).toEqual(WANT);
      });
    }
  }

  it('--calls: a pointee given in "memory" is followed (jump-table slot of set_tid)', async () => {
    const calls = file(
      'settid.jsonl',
      [34, 35]
        .map((tid) => `{"syscall": "clone3", "fields": {"set_tid": "0x7f0000100000", "set_tid_size": 1}, "memory": {"0x7f0000100000": "${tid.toString(16).padStart(2, '0')}000000"}}`)
        .concat(['{"syscall": "clone3", "fields": {}}'])
        .join('\n'),
    );
    const r = await cli(['run', SET_TID, '--profile', 'ea', '--calls', calls]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((o) => o['action'])).toEqual(['allow', 'errno', 'errno']);
  });

  it('--calls: a bad line is named, the others still run, exit 1', async () => {
    const calls = file(
      'bad.jsonl',
      ['{"syscall": "clone3", "fields": {"nope": 1}}', 'not json', '{"syscall": "clone3", "fields": {"flags": "0x10000000"}}', '{"syscall": "reed"}', '{"syscall": "clone3", "extra": 1}'].join('\n'),
    );
    const r = await cli(['run', NO_NEWUSER, '--profile', 'ea', '--calls', calls]);
    expect(r.code).toBe(1);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => o['line'] ?? o['action'])).toEqual([1, 2, 'errno', 4, 5]);
    expect(String(out[0]!['error'])).toMatch(/clone_args has no field "nope" \(fields: flags, pidfd/);
    // A plain name ("read") is a call without a struct; one the arch's table lacks is an error.
    expect(String(out[3]!['error'])).toMatch(/"reed" is neither an EA syscall .* nor a syscall name of x86_64/);
    expect(String(out[4]!['error'])).toMatch(/unknown key "extra"/);
  });

  it('usage errors: --calls without --profile ea, a bad --strategy or --needs', async () => {
    expect((await cli(['run', file('allow.s', 'ret #0x7fff0000\n'), '--calls', CALLS])).code).toBe(2);
    expect((await cli(['run', NO_NEWUSER, '--profile', 'ea', '--calls', CALLS, '--strategy', 'tables'])).code).toBe(2);
    expect((await cli(['run', NO_NEWUSER, '--profile', 'ea', '--calls', CALLS, '--needs', 'set_tid'])).code).toBe(2);
  });
});
