/**
 * Every engine entry refuses what is not its input, with a typed error, in both engines: a
 * seccomp view shorter than the 64 bytes of seccomp_data, an EA image shorter than its header
 * or than what the filter's absolute loads read, undefined, null, a Uint8Array, a number. Before
 * this, a 24-byte view read its missing arguments as zero and a filter denying
 * `openat(..., 1)` allowed it (issue 17, item 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { assemble } from '@ea/bpf';
import { interpret, InterpreterError, packetContext, prepare } from '@ea/interpreter';
import { type Profile, type VerifiedProgram, verify } from '@ea/verifier';
import { compile, toModule } from '@ea/jit';

const here = dirname(fileURLToPath(import.meta.url));
const RET_ERRNO_1 = 0x50001;
const RET_ALLOW = 0x7fff0000;

/** Denies openat (257) when args[2] == 1: the filter. */
const DENY_OPENAT_FLAG = verify(
  assemble(`ld [0]
jeq #257, args, allow
args: ld [32]
jeq #1, deny, allow
deny: ret #${RET_ERRNO_1}
allow: ret #${RET_ALLOW}`),
  { profile: 'seccomp' },
);
/** Reads nothing: a short view must still be refused (no load would notice it). */
const RET_ONLY = verify(assemble(`ret #${RET_ALLOW}`), { profile: 'seccomp' });
/** An EA filter reading a root field at 200 (maxLoadEnd 204). */
const EA_FAR = verify(assemble(`ld [200]
jeq #0, allow, deny
deny: ret #0
allow: ret #${RET_ALLOW}`), { profile: 'ea' });
const EA_NOTHING = verify(assemble(`ret #${RET_ALLOW}`), { profile: 'ea' });

function openat(length: number): DataView {
  const view = new DataView(new ArrayBuffer(length));
  if (length >= 4) view.setUint32(0, 257, true);
  if (length >= 36) view.setUint32(32, 1, true);
  return view;
}

type Runner = (program: VerifiedProgram, input: unknown) => number;

const dir = mkdtempSync(join(tmpdir(), 'ea-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Every way to run a program over one input: each must answer alike. */
const ENTRIES: Record<string, Runner | ((program: VerifiedProgram, input: unknown) => Promise<number>)> = {
  interpret: (p, input) => interpret(p, input as DataView),
  'prepare().run': (p, input) => prepare(p).run(input as DataView),
  'prepare().runSeccomp': (p, input) => prepare(p).runSeccomp(input as DataView),
  'prepare().trace': (p, input) => prepare(p).trace(input as DataView, () => {}),
  'compile().run': (p, input) => {
    const c = compile(p);
    expect(c.accelerated).toBe(true);
    return c.run(input as DataView);
  },
  'compile({ accelerate: false }).run': (p, input) => compile(p, { accelerate: false }).run(input as DataView),
  'compile({ tierAfter: 1 }).run, twice': (p, input) => {
    const c = compile(p, { tierAfter: 1 });
    try {
      c.run(input as DataView);
    } catch {
      // the interpreter's answer; the compiled one follows
    }
    return c.run(input as DataView);
  },
  'toModule run': async (p, input) => {
    const file = join(dir, `m${files++}.mjs`);
    writeFileSync(file, toModule(p, { runtime: pathToFileURL(join(here, '../src/runtime.ts')).href }));
    const mod = (await import(pathToFileURL(file).href)) as { run: (input: unknown) => number };
    return mod.run(input);
  },
};

async function codeOf(run: () => number | Promise<number>): Promise<string> {
  try {
    return `result ${(await run()).toString(16)}`;
  } catch (error) {
    if (error instanceof InterpreterError) return `${error.code}: ${error.message}`;
    return `raw ${String(error)}`;
  }
}

describe('a short seccomp view is refused by every entry, never read as zeros', () => {
  for (const [name, run] of Object.entries(ENTRIES)) {
    it(`${name}: 64 bytes deny; 36, 24, 16, 8, 0 bytes throw BAD_INPUT`, async () => {
      expect(await run(DENY_OPENAT_FLAG, openat(64))).toBe(RET_ERRNO_1);
      expect(await run(DENY_OPENAT_FLAG, openat(128))).toBe(RET_ERRNO_1);
      for (const length of [63, 36, 24, 16, 8, 0]) {
        expect(await codeOf(() => run(DENY_OPENAT_FLAG, openat(length)))).toMatch(/^BAD_INPUT: .*seccomp_data is \d+ bytes, fewer than 64/);
        expect(await codeOf(() => run(RET_ONLY, openat(length)))).toMatch(/^BAD_INPUT: /);
      }
    });

    it(`${name}: undefined, null, a Uint8Array, a number, an object get BAD_INPUT naming what they are`, async () => {
      const bytes = new Uint8Array(64);
      const cases: [unknown, RegExp][] = [
        [undefined, /must be a DataView, got undefined/],
        [null, /must be a DataView, got null/],
        [bytes, /must be a DataView, got a Uint8Array \(wrap it/],
        [bytes.buffer, /must be a DataView, got a ArrayBuffer/],
        [64, /must be a DataView, got a number/],
        [{}, /must be a DataView, got a Object/],
      ];
      for (const program of [DENY_OPENAT_FLAG, RET_ONLY, EA_FAR]) {
        for (const [input, message] of cases) {
          const got = await codeOf(() => run(program, input));
          expect(got, `${String(input)}`).toMatch(/^BAD_INPUT: /);
          expect(got).toMatch(message);
        }
      }
    });

    it(`${name}: a PacketContext given to a seccomp program is WRONG_PROFILE`, async () => {
      expect(await codeOf(() => run(DENY_OPENAT_FLAG, packetContext(new Uint8Array(64))))).toMatch(
        /^WRONG_PROFILE: .*seccomp program does not run over a PacketContext/,
      );
    });

    it(`${name}: an EA image shorter than its header or than the filter's loads throws BAD_INPUT`, async () => {
      const image = (length: number): DataView => new DataView(new ArrayBuffer(length));
      expect(await run(EA_FAR, image(204))).toBe(RET_ALLOW);
      expect(await run(EA_NOTHING, image(80))).toBe(RET_ALLOW);
      for (const length of [203, 200, 120, 80, 64, 8, 0]) {
        expect(await codeOf(() => run(EA_FAR, image(length)))).toMatch(/^BAD_INPUT: .*the EA image is \d+ bytes, fewer than 204/);
      }
      for (const length of [79, 64, 24]) {
        expect(await codeOf(() => run(EA_NOTHING, image(length)))).toMatch(/^BAD_INPUT: .*the EA image is \d+ bytes, fewer than 80/);
      }
    });
  }
});

describe('socket entries refuse what is not a PacketContext', () => {
  const socket = verify(assemble('ldb [0]\nret a'), { profile: 'socket' });
  const runs: Record<string, (input: unknown) => number | Promise<number>> = {
    'toModule run': async (input) => {
      const file = join(dir, `s${files++}.mjs`);
      writeFileSync(file, toModule(socket, { runtime: pathToFileURL(join(here, '../src/runtime.ts')).href }));
      const mod = (await import(pathToFileURL(file).href)) as { run: (input: unknown) => number };
      return mod.run(input);
    },
    interpret: (input) => interpret(socket, input as DataView),
    'prepare().runPacket': (input) => prepare(socket).runPacket(input as never),
    'compile().run': (input) => compile(socket).run(input as never),
    'compile({ accelerate: false }).run': (input) => compile(socket, { accelerate: false }).run(input as never),
  };
  for (const [name, run] of Object.entries(runs)) {
    it(`${name}: undefined, null and a number are BAD_INPUT, a DataView WRONG_PROFILE`, async () => {
      expect(await codeOf(() => run(packetContext(Uint8Array.of(7))))).toBe('result 7');
      for (const input of [undefined, null, 5]) expect(await codeOf(() => run(input))).toMatch(/^BAD_INPUT: .*must be a PacketContext/);
      expect(await codeOf(() => run(new DataView(new ArrayBuffer(8))))).toMatch(/^WRONG_PROFILE: /);
    });
  }
  it('runBatch of a seccomp program is WRONG_PROFILE naming a PacketBatch', () => {
    expect(() => compile(DENY_OPENAT_FLAG).runBatch(undefined as never)).toThrow(/does not run over a PacketBatch/);
    expect(() => prepare(DENY_OPENAT_FLAG).runBatch(undefined as never)).toThrow(/does not run over a PacketBatch/);
  });
});

export type { Profile };
