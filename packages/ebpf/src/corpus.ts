/**
 * The case format of bpf_conformance's `tests/*.data` files, which our own corpus uses too: a file
 * of sections `-- asm` (or `-- raw`, 64-bit slot values), `-- mem` (input bytes in hex), and
 * `-- result` (expected r0) or `-- error` (an expected error; ours are written `reason@pc`, e.g.
 * `out_of_bounds@3` or `write_fp@0`). `-- c` and other documentation sections are skipped. `#`
 * starts a comment anywhere, as in the suite's parser (bpf_test_parser.cc).
 */
import { assemble } from './asm.js';
import { parseHex, writeSlots } from './binary.js';
import { encode } from './encode.js';
import { EbpfSyntaxError } from './errors.js';

/** Is one case. */
export interface DataCase {
  /** The program bytes (assembled from `-- asm`, or from `-- raw`). */
  readonly program: Uint8Array;
  /** The input memory (`-- mem`), empty when absent. */
  readonly mem: Uint8Array;
  /** The expected r0, or undefined when an error is expected. */
  readonly result?: bigint;
  /** The expected error text (`-- error`). */
  readonly error?: string;
}

/** Parses a .data case; throws EbpfSyntaxError naming the line. */
export function parseDataCase(text: string): DataCase {
  const sections = new Map<string, { lines: string[]; first: number }>();
  let current: { lines: string[]; first: number } | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    const head = /^\s*--\s*(.*?)\s*$/.exec(line);
    if (head !== null) {
      const name = head[1]!;
      const known = ['asm', 'raw', 'mem', 'result', 'error'].find((k) => name === k);
      current = known === undefined ? null : { lines: [], first: i + 2 };
      if (known !== undefined) sections.set(known, current!);
      return;
    }
    // Keep line numbers of asm aligned with the file: blank lines stand for comments and headers.
    current?.lines.push(line);
  });
  const asm = sections.get('asm');
  const raw = sections.get('raw');
  let program: Uint8Array;
  if (raw !== undefined) {
    const words = raw.lines.join(' ').trim().split(/\s+/).filter((w) => w !== '');
    program = writeSlots(words.map((w, i) => {
      if (!/^(0x[0-9a-fA-F]{1,16}|\d+)$/.test(w)) throw new EbpfSyntaxError(raw.first, 1, `raw word ${i}: ${JSON.stringify(w)} is not a number`);
      const v = BigInt(w);
      return { code: Number(v & 0xffn), dst: Number((v >> 8n) & 0xfn), src: Number((v >> 12n) & 0xfn), off: Number((v >> 16n) & 0xffffn), imm: Number((v >> 32n) & 0xffffffffn) | 0 };
    }));
  } else if (asm !== undefined) {
    try {
      program = encode(assemble(asm.lines.join('\n')));
    } catch (error) {
      if (error instanceof EbpfSyntaxError) throw new EbpfSyntaxError(error.line + asm.first - 1, error.column, error.reason);
      throw error;
    }
  } else throw new EbpfSyntaxError(1, 1, 'a case needs an -- asm or -- raw section');
  const memSection = sections.get('mem');
  const mem = memSection === undefined ? new Uint8Array(0) : parseHex(memSection.lines.join(' '));
  if (mem === null) throw new EbpfSyntaxError(memSection!.first, 1, '-- mem must be hex bytes');
  const resultText = sections.get('result')?.lines.join(' ').trim();
  const errorText = sections.get('error')?.lines.join(' ').trim();
  if (resultText !== undefined && resultText !== '') {
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(resultText)) throw new EbpfSyntaxError(sections.get('result')!.first, 1, `result ${JSON.stringify(resultText)} is not a number`);
    return { program, mem, result: BigInt.asUintN(64, BigInt(resultText)) };
  }
  if (errorText !== undefined && errorText !== '') return { program, mem, error: errorText };
  throw new EbpfSyntaxError(1, 1, 'a case needs a -- result or -- error section');
}
