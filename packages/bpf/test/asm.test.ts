import { describe, expect, it } from 'vitest';
import {
  ANCILLARY, assemble, BPF_ABS, BPF_B, BPF_H, SKF_AD_VLAN_TAG_PRESENT, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_LDX, BPF_LEN,
  BPF_RET, BPF_W, BPF_X, codeOf, detectFormat, detectInput, disassemble, FormatError, jump, MAX_TEXT_INSNS, MAX_TEXT_LENGTH, readProgram, SKF_AD_OFF,
  stmt, writeProgram, type FormatErrorCode, type SockFilter,
} from '../src/index.js';

const fields = (p: readonly SockFilter[]) => p.map(({ code, jt, jf, k }) => [code, jt, jf, k]);

function fails(text: string, code: FormatErrorCode, line: number, column: number): void {
  let caught: unknown;
  try {
    assemble(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FormatError);
  const err = caught as FormatError;
  expect({ code: err.code, where: err.where }).toEqual({ code, where: { kind: 'text', line, column } });
}

describe('assemble', () => {
  it('reads labels, comments and the documented operand forms', () => {
    const program = assemble(`
      /* ARP only, from Documentation/networking/filter.rst */
      ldh [12]          ; ethertype
      jne #0x806, drop
      ret #-1
      drop: ret #0
    `);
    expect(fields(program)).toEqual(
      fields([
        stmt(BPF_LD | BPF_H | BPF_ABS, 12),
        jump(BPF_JMP | BPF_JEQ | BPF_K, 0x806, 0, 1),
        stmt(BPF_RET | BPF_K, 0xffffffff),
        stmt(BPF_RET | BPF_K, 0),
      ]),
    );
  });

  it("skips bpf_asm's #-lines and reads its vlan_pr alias", () => {
    expect(fields(assemble('# load the tag\n  # indented too\nld #vlan_pr\nld vlan_avail'))).toEqual(
      fields([stmt(BPF_LD | BPF_W | BPF_ABS, (SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT) >>> 0), stmt(BPF_LD | BPF_W | BPF_ABS, (SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT) >>> 0)]),
    );
    expect(() => assemble('ld #1 # not a comment here')).toThrow(expect.objectContaining({ code: 'SYNTAX' }));
  });

  it('reads numbers in bpf_asm radixes', () => {
    const ks = assemble('ld #10\nld #0x10\nld #0b10\nld #010\nld #-2\nld #4294967295\nld #-2147483648').map((i) => i.k);
    expect(ks).toEqual([10, 16, 2, 8, 0xfffffffe, 0xffffffff, 0x80000000]);
  });

  it('reads every ancillary load in both spellings', () => {
    for (const a of ANCILLARY) {
      const expected = fields([stmt(BPF_LD | BPF_W | BPF_ABS, (SKF_AD_OFF + a.offset) >>> 0)]);
      expect(fields(assemble(`ld #${a.name}`))).toEqual(expected);
      expect(fields(assemble(`ld ${a.name}`))).toEqual(expected);
    }
    expect(fields(assemble('ld #len\nld len\nldx #len\nldx len'))).toEqual(
      fields([
        stmt(BPF_LD | BPF_W | BPF_LEN, 0), stmt(BPF_LD | BPF_W | BPF_LEN, 0),
        stmt(BPF_LDX | BPF_W | BPF_LEN, 0), stmt(BPF_LDX | BPF_W | BPF_LEN, 0),
      ]),
    );
  });

  it('reads the jump aliases and one-target forms as bpf_asm does', () => {
    const p = assemble(`
      jeq #1, a
      jne #1, a
      jneq #1, a
      jlt #1, a
      jle x, a
      jgt %x, a, b
      jge #1, +0, +1
      jmp a
      ja a
    a: ret %a
    b: ret a
    `);
    expect(fields(p.slice(0, 9))).toEqual(
      fields([
        jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 8, 0),
        jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 7),
        jump(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 6),
        jump(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 5),
        jump(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 4),
        jump(BPF_JMP | BPF_JGT | BPF_X, 0, 3, 4),
        jump(BPF_JMP | BPF_JGE | BPF_K, 1, 0, 1),
        stmt(BPF_JMP, 1),
        stmt(BPF_JMP, 0),
      ]),
    );
  });

  it('reads ALU operations with #k and x, and the EA tail-zero load', () => {
    expect(fields(assemble('add #3\nmod x\nneg\nldtz #16'))).toEqual(
      fields([
        stmt(codeOf({ kind: 'alu', op: 'add', src: 'k' }), 3),
        stmt(codeOf({ kind: 'alu', op: 'mod', src: 'x' }), 0),
        stmt(codeOf({ kind: 'neg' }), 0),
        stmt(codeOf({ kind: 'ld_tailzero' }), 16),
      ]),
    );
    expect(disassemble(assemble('ldtz #16'))).toBe('  ldtz #0x10\n');
  });

  it('allows a conditional jump of exactly 255 and refuses 256', () => {
    const body = (n: number) => `jeq #0, far\n${'tax\n'.repeat(n)}far: ret #0\n`;
    expect(assemble(body(255))[0]!.jt).toBe(255);
    fails(body(256), 'JUMP_TOO_FAR', 1, 9);
    expect(assemble(`ja far\n${'tax\n'.repeat(300)}far: ret #0`)[0]!.k).toBe(300);
  });

  it.each([
    ['ret #0\nfoo #1', 'UNKNOWN_MNEMONIC', 2, 1],
    ['  jeq #1, nowhere', 'UNDEFINED_LABEL', 1, 11],
    ['a: ret #0\n a: ret #1', 'DUPLICATE_LABEL', 2, 2],
    ['a: ja a', 'BACKWARD_JUMP', 1, 7],
    ['tax\na: tax\njeq #1, a, a', 'BACKWARD_JUMP', 3, 9],
    ['ld #4294967296', 'OUT_OF_RANGE', 1, 5],
    ['ld #-2147483649', 'OUT_OF_RANGE', 1, 5],
    ['ld #0x1ffffffff', 'OUT_OF_RANGE', 1, 5],
    ['jeq #1, +256', 'OUT_OF_RANGE', 1, 10],
    ['ld #12ab', 'BAD_NUMBER', 1, 5],
    ['ld #09', 'BAD_NUMBER', 1, 5],
    ['ld #foo', 'BAD_OPERAND', 1, 5],
    ['ldh #1', 'BAD_OPERAND', 1, 5],
    ['ret M[1]', 'BAD_OPERAND', 1, 5],
    ['ldxb 4*([1]&0xe)', 'BAD_OPERAND', 1, 13],
    ['ret #1, 2', 'SYNTAX', 1, 7],
    ['ld [1', 'SYNTAX', 1, 6],
    ['ret #0 /* open', 'SYNTAX', 1, 8],
    ['ret #0 @', 'SYNTAX', 1, 8],
    ['tax /* spans\n lines */ foo', 'UNKNOWN_MNEMONIC', 2, 11],
    ['tax /* one */ /* two */ ;x\n#y\n  ldx [1]', 'BAD_OPERAND', 3, 7],
    ['.insn 0x10000, 0, 0, 0', 'OUT_OF_RANGE', 1, 7],
    ['.insn 0, 256, 0, 0', 'OUT_OF_RANGE', 1, 10],
  ] as const)('%j → %s at %i:%i', (text, code, line, column) => {
    fails(text, code, line, column);
  });

  it('refuses more than MAX_TEXT_INSNS instructions', () => {
    fails('tax\n'.repeat(MAX_TEXT_INSNS + 1), 'TOO_LONG', MAX_TEXT_INSNS + 1, 1);
  });

  it('refuses text longer than MAX_TEXT_LENGTH before parsing it, in every text format', () => {
    const huge = ' '.repeat(MAX_TEXT_LENGTH + 1);
    for (const format of ['asm', 'd', 'dd', 'ddd'] as const) {
      expect(() => readProgram(huge, { format })).toThrow(expect.objectContaining({ code: 'TOO_LONG' }));
    }
  });

  it('accepts the empty program', () => {
    expect(assemble('; nothing\n')).toEqual([]);
  });
});

describe('tcpdump formats', () => {
  it('reads -ddd and checks its count', () => {
    const ret = BPF_RET | BPF_K;
    expect(fields(readProgram(`2\n${ret} 0 0 1\n${ret} 0 0 0\n`).insns)).toEqual([[ret, 0, 0, 1], [ret, 0, 0, 0]]);
    expect(() => readProgram('3\n6 0 0 1\n6 0 0 0\n')).toThrow(expect.objectContaining({ code: 'BAD_COUNT' }));
    expect(() => readProgram('1\n6 0 0 1\n6 0 0 0\n')).toThrow(expect.objectContaining({ code: 'BAD_COUNT' }));
    expect(() => readProgram('1\n6 0 0 x1\n')).toThrow(expect.objectContaining({ code: 'BAD_NUMBER' }));
    expect(() => readProgram('1\n6 0 256 1\n')).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    expect(() => readProgram('99999999\n')).toThrow(expect.objectContaining({ code: 'TOO_LONG' }));
  });

  it("reads bpf_asm's one-line output and its C style", () => {
    const program = assemble('ldh [12]\njeq #0x800, +0, +1\nret #-1\nret #0');
    const line = `4,${program.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k}`).join(',')},\n`;
    expect(readProgram(line).format).toBe('ddd');
    expect(fields(readProgram(line).insns)).toEqual(fields(program));
    const c = '{ 0x28,  0,  0, 0x0000000c },\n{ 0x15,  0,  1, 0x00000800 },\n{ 0x06,  0,  0, 0xffffffff },\n{ 0x06,  0,  0, 0000000000 },\n';
    expect(fields(readProgram(c).insns)).toEqual(fields(program));
    expect(fields(assemble('ldi 5\nldxi 6\nldh #proto\nldb type'))).toEqual(
      fields([stmt(BPF_LD, 5), stmt(BPF_LDX, 6), stmt(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF), stmt(BPF_LD | BPF_B | BPF_ABS, SKF_AD_OFF + 4)]),
    );
    expect(fields(assemble('ret x'))).toEqual([[BPF_RET | BPF_X, 0, 0, 0]]);
  });

  it('reads -dd with and without trailing commas', () => {
    const ret = BPF_RET | BPF_K;
    expect(fields(readProgram(`{ 0x${ret.toString(16)}, 0, 0, 0x00000001 },\n{ ${ret}, 0, 0, 0 }`).insns)).toEqual([
      [ret, 0, 0, 1],
      [ret, 0, 0, 0],
    ]);
    expect(() => readProgram('{ 0x6, 0, 0 },')).toThrow(expect.objectContaining({ code: 'SYNTAX' }));
  });

  it('writes -d with bpf_image spellings and reads them back', () => {
    const program = assemble('ld #vlan_avail\nldb [random]\nldh [0xfffff004]\nret #-1\nret a\nja +4294967294\nld #len\nldx #len');
    const d = writeProgram(program, 'd');
    expect(d).toBe(
      [
        '(000) ld       [vlanp]',
        '(001) ldb      [random]',
        '(002) ldh      [type]',
        '(003) ret      #-1',
        '(004) ret      ',
        '(005) ja       4',
        '(006) ld       #pktlen',
        '(007) ldx      #pktlen',
        '',
      ].join('\n'),
    );
    expect(fields(readProgram(d).insns)).toEqual(fields(program));
    // A far ja prints a negative target, as bpf_image's C int does, and reads back.
    const far = assemble('ja +2147483647');
    expect(writeProgram(far, 'd')).toBe('(000) ja       -2147483648\n');
    expect(fields(readProgram(writeProgram(far, 'd')).insns)).toEqual(fields(far));
  });

  it('reads -d with absolute targets and checks the numbering', () => {
    const d = '(000) ldh      [12]\n(001) jeq      #0x800           jt 2\tjf 3\n(002) ret      #262144\n(003) ret      #0\n';
    expect(fields(readProgram(d).insns)).toEqual(
      fields([
        stmt(BPF_LD | BPF_H | BPF_ABS, 12),
        jump(BPF_JMP | BPF_JEQ | BPF_K, 0x800, 0, 1),
        stmt(BPF_RET | BPF_K, 262144),
        stmt(BPF_RET | BPF_K, 0),
      ]),
    );
    expect(() => readProgram('(001) ret #0')).toThrow(expect.objectContaining({ code: 'SYNTAX' }));
    expect(() => readProgram('(000) jeq #1 jt 0 jf 1\n')).toThrow(expect.objectContaining({ code: 'BACKWARD_JUMP' }));
    expect(() => readProgram('(000) jeq #1 jt 1 jf 300\n')).toThrow(expect.objectContaining({ code: 'JUMP_TOO_FAR' }));
  });
});

describe('detectFormat', () => {
  it.each([
    ['2\n6 0 0 1\n6 0 0 0\n', 'ddd'],
    ['{ 0x6, 0, 0, 0x00000001 },', 'dd'],
    ['(000) ret      #0', 'd'],
    ['ret #0', 'asm'],
    ['; comment\nret #0', 'asm'],
  ] as const)('%j is %s', (text, format) => {
    expect(detectFormat(text)).toBe(format);
    expect(detectFormat(new TextEncoder().encode(text))).toBe(format);
  });

  it('finds binary in bytes that are not text', () => {
    expect(detectFormat(Uint8Array.from([0x06, 0, 0, 0, 0, 0, 0, 0]))).toBe('bin');
    expect(detectFormat(Uint8Array.from([0xff, 0xfe]))).toBe('bin');
    expect(() => readProgram(Uint8Array.from([0x06, 0, 0]))).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
  });

  it('keeps text with a stray byte as text when it cannot be a binary program, and says so', () => {
    const stray = new TextEncoder().encode('ld [0]\nret #0\x01\n'); // 15 bytes
    expect(detectInput(stray)).toEqual({
      format: 'asm',
      assumed: 'read as text: byte 13 (0x01) is not text, but 15 bytes is not a whole number of 8-byte instructions, so it is no binary program either',
    });
    expect(() => readProgram(stray)).toThrow(/line 2, column 7: .*\(read as text: byte 13 \(0x01\)/);
    // A valid program in either byte order is binary whatever its share of text.
    expect(detectInput(new TextEncoder().encode('\x06\x00abcdef'))).toEqual({ format: 'bin' });
    expect(detectInput(new TextEncoder().encode('\x00\x06abcdef'))).toEqual({ format: 'bin' });
    // 16 bytes of text with one control byte and a code above 0xff: text.
    expect(detectInput(new TextEncoder().encode('ret #0 ; ab\x01cdef')).format).toBe('asm');
    // Mostly binary junk stays binary, with the reason.
    expect(detectInput(Uint8Array.from([0x06, 0, 0, 0, 0, 0, 0xff]))).toEqual({
      format: 'bin',
      assumed: 'read as a binary program: byte 0 (0x06) is not text and only 0% of it is text',
    });
    expect(readProgram(new TextEncoder().encode('ret #0\n')).assumed).toBeUndefined();
  });

  it('names the byte offset of invalid UTF-8 when text is forced', () => {
    expect(() => readProgram(Uint8Array.from([0x72, 0x65, 0x74, 0xc0]), { format: 'asm' })).toThrow(
      expect.objectContaining({ code: 'SYNTAX', where: { kind: 'byte', offset: 3 } }),
    );
  });
});
