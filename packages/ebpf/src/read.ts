/**
 * Reads a program given in any of its formats: raw bytes (8 per slot), hex text (as the
 * bpf_conformance plugin protocol sends it), `llvm-objdump -d` output (its byte columns are the
 * truth; the text after them is ignored), or assembly. The format is detected, and named in the
 * result so a caller can say what it saw.
 */
import { parseHex, readSlots, type RawInsn } from './binary.js';
import { assemble } from './asm.js';
import { encode } from './encode.js';
import { EbpfSyntaxError } from './errors.js';

/** Names the format a program was read from. */
export type ProgramFormat = 'binary' | 'hex' | 'objdump' | 'asm';

const OBJDUMP_LINE = /^\s*([0-9a-fA-F]+):\s+((?:[0-9a-fA-F]{2} ){7}[0-9a-fA-F]{2}(?: (?:[0-9a-fA-F]{2} ){7}[0-9a-fA-F]{2})?)(?=\s|$)/;

/** Returns the bytes of `llvm-objdump -d` output (one or more functions), or throws EbpfSyntaxError. */
export function parseObjdump(text: string): Uint8Array {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = OBJDUMP_LINE.exec(line);
    if (m === null) {
      // Headers, "<func>:" lines, blank lines and relocation lines carry no instruction bytes.
      if (/^\s*[0-9a-fA-F]+:\s+[0-9a-fA-F]{2}\s/.test(line)) throw new EbpfSyntaxError(i + 1, 1, 'an instruction line needs 8 or 16 hex bytes');
      return;
    }
    for (const b of m[2]!.split(' ')) out.push(Number.parseInt(b, 16));
  });
  return Uint8Array.from(out);
}

/** Tells whether text looks like `llvm-objdump -d` output. */
export function isObjdump(text: string): boolean {
  return text.split(/\r?\n/).some((l) => OBJDUMP_LINE.test(l));
}

/** Reads a program's bytes from a file's contents, detecting its format. */
export function readProgramBytes(input: Uint8Array): { bytes: Uint8Array; format: ProgramFormat } {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(input);
  // Text is printable ASCII and whitespace; anything else is a binary image.
  if (input.some((b) => b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b > 0x7e)) {
    return { bytes: input, format: 'binary' };
  }
  if (isObjdump(text)) return { bytes: parseObjdump(text), format: 'objdump' };
  const stripped = text.replace(/#.*$/gm, '');
  const hex = /^[\s0-9a-fA-Fx,]*$/.test(stripped) && /[0-9a-fA-F]{16}/.test(stripped.replace(/[\s,]|0x/g, '')) ? parseHex(stripped) : null;
  if (hex !== null) return { bytes: hex, format: 'hex' };
  return { bytes: encode(assemble(text)), format: 'asm' };
}

/** Reads raw slots from a file's contents (see readProgramBytes). */
export function readProgramSlots(input: Uint8Array): RawInsn[] {
  return readSlots(readProgramBytes(input).bytes);
}
