/** seccomp_data and the EA image: native-endian words, LEN = 64, whole views only, EA IND and tail-zero. */
import { EA_META_ROOT, EA_META_USIZE, EA_REGION_OFFSET } from '@ea/bpf';
import { describe, expect, it } from 'vitest';
import { InterpreterError, packetContext, prepare, tailZero } from '../src/index.js';
import { program, runSeccomp, seccompData } from './support/run.js';

describe('seccomp', () => {
  it('reads nr, arch and both halves of a 64-bit argument (§3.1)', () => {
    const data = seccompData(0xffffffff, [0x1122334455667788n]);
    expect(runSeccomp('ld [0]\nret a', data)).toBe(0xffffffff);
    expect(runSeccomp('ld [4]\nret a', data)).toBe(0xc000003e);
    expect(runSeccomp('ld [16]\nret a', data)).toBe(0x55667788);
    expect(runSeccomp('ld [20]\nret a', data)).toBe(0x11223344);
  });
  it('gives LEN = 64 (seccomp_check_filter rewrites it)', () => {
    expect(runSeccomp('ld #len\nret a')).toBe(64);
    expect(runSeccomp('ldx #len\ntxa\nret a')).toBe(64);
  });
  it('reads big-endian seccomp_data when asked', () => {
    const view = new DataView(new ArrayBuffer(64));
    view.setUint32(0, 0x01020304, false);
    const run = prepare(program('seccomp', 'ld [0]\nret a'), { endian: 'be' });
    expect(run.runSeccomp(view)).toBe(0x01020304);
    expect(prepare(program('seccomp', 'ld [0]\nret a')).runSeccomp(view)).toBe(0x04030201);
  });
  it('refuses the wrong kind of input with a typed error', () => {
    const run = prepare(program('seccomp', 'ret #0'));
    expect(() => run.runPacket(packetContext(new Uint8Array(4)))).toThrow(InterpreterError);
    const sock = prepare(program('socket', 'ret #0'));
    expect(() => sock.runSeccomp(seccompData(0))).toThrow(InterpreterError);
  });
});

/** An EA image: seccomp_data, ea_meta (usize, root), then `region` bytes at EA_REGION_OFFSET. */
function image(usize: number, region: readonly number[], total = EA_REGION_OFFSET + region.length): DataView {
  const view = new DataView(new ArrayBuffer(total));
  view.setUint32(EA_META_USIZE, usize, true);
  view.setUint32(EA_META_ROOT, EA_REGION_OFFSET, true);
  region.forEach((b, i) => {
    if (EA_REGION_OFFSET + i < total) view.setUint8(EA_REGION_OFFSET + i, b);
  });
  return view;
}

function runEa(text: string, view: DataView): number {
  return prepare(program('ea', text)).runSeccomp(view);
}

describe('ea profile', () => {
  it('refuses an image shorter than its header or than an absolute load: the flattener zero-fills, not the engine', () => {
    const view = image(8, [1, 0, 0, 0, 2, 0, 0, 0]);
    expect(runEa('ld [84]\nret a', view)).toBe(2);
    expect(() => runEa('ld [88]\nret a', view)).toThrow(/the EA image is 88 bytes, fewer than 92/);
    expect(() => runEa('ld [1000]\nret a', view)).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => runEa('ld [0]\nret a', seccompData(1))).toThrow(/the EA image is 64 bytes, fewer than 80/);
    // ldtz reads ea_meta: on a bare seccomp_data it would have answered 1 ("the tail is zero").
    expect(() => runEa('ldtz #0\nret a', seccompData(1))).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
  it('loads X + k words, failing safe (0) when misaligned or outside the image', () => {
    const view = image(8, [1, 0, 0, 0, 2, 0, 0, 0]);
    expect(runEa('ldx #80\nld [x + 4]\nret a', view)).toBe(2);
    expect(runEa('ldx #0xfffffffc\nld [x + 88]\nret a', view)).toBe(2);
    expect(runEa('ldx #81\nld [x + 0]\nret #0x7fff0000', view)).toBe(0);
    expect(runEa('ldx #88\nld [x + 0]\nret #0x7fff0000', view)).toBe(0);
    expect(runEa('ldx #86\nld [x + 0]\nret #0x7fff0000', view)).toBe(0);
  });
  it('tests the tail of the caller struct for zeros', () => {
    const view = image(12, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(runEa('ldtz #4\nret a', view)).toBe(1);
    expect(runEa('ldtz #0\nret a', view)).toBe(0);
    expect(runEa('ldtz #12\nret a', view)).toBe(1);
    expect(runEa('ldtz #100\nret a', view)).toBe(1);
    expect(tailZero(image(12, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]), 8, true)).toBe(0);
    // usize says 16 but only 12 bytes were copied: the range runs past the image, fail safe.
    expect(tailZero(image(16, new Array(12).fill(0)), 4, true)).toBe(0);
    // No ea_meta at all: usize reads 0 by the zero-fill rule, so the tail is empty.
    expect(tailZero(seccompData(1), 0, true)).toBe(1);
  });
});

describe('profile guard', () => {
  it('refuses, at prepare time, an instruction its profile cannot run', async () => {
    const { decodeOp } = await import('../src/index.js');
    const { assemble } = await import('@ea/bpf');
    const [msh, ldb, tz] = assemble('ldxb 4*([0]&0xf)\nldb [0]\nldtz #0\nret a') as never[];
    expect(() => decodeOp(msh!, 'seccomp')).toThrow(InterpreterError);
    expect(() => decodeOp(ldb!, 'ea')).toThrow(InterpreterError);
    expect(() => decodeOp(tz!, 'socket')).toThrow(InterpreterError);
    expect(() => decodeOp(tz!, 'ea')).not.toThrow();
  });
});
