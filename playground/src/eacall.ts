/**
 * EA calls for "try a call": clone3/openat2 with the caller's struct given as field values (or
 * raw hex bytes) and a usize, laid out in modelled memory (an input pointer field may be given
 * as a list, `[34, 35]`, which becomes an array it points at), then flattened by @ea/layout as
 * the running kernel's copy would (through @ea/workbench's engine wiring) into the image an `ea`
 * filter reads.
 */
import type { Endian } from '@ea/bpf';
import { AddressSpace, type EaSyscall, eaSyscall, pointee } from '@ea/layout';
import { type Needs, type Strategy, writeField } from '@ea/policy';
import { archInfo } from '@ea/seccomp';
import { defaultEngine, STRUCT_ADDRESS } from '@ea/workbench';

/** One field of an EA struct the form offers: its name, offset and size, and whether it is an input pointer. */
export interface EaFieldSpec {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly pointer: boolean;
}

/** The struct part of an EA call, as typed: field values (or hex bytes, which win) and usize. */
export interface EaRequest {
  readonly fields: Readonly<Record<string, string>>;
  readonly hex: string;
  readonly usize: string;
}

/** The pages of modelled memory input-pointer arrays are mapped at. */
const ARRAYS = 0x7f0000100000n;
/** The largest struct a call may pass (one page, as the kernel's copy is bounded by it in practice). */
export const MAX_USIZE = 4096;

/** Lists the leaf fields of an EA syscall's struct as the running kernel knows it. */
export function eaFieldSpecs(syscall: string): EaFieldSpec[] {
  const sys = eaSyscall(syscall);
  return [...sys.struct.fields.values()]
    .filter((f) => f.type.kind === 'scalar' || f.type.kind === 'pointer')
    .map((f) => ({ name: f.path, offset: f.offset, size: f.type.size, pointer: f.type.kind === 'pointer' && f.type.direction === 'in' }));
}

function number(text: string, what: string, max: bigint): bigint {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new RangeError(`${what}: ${JSON.stringify(t.slice(0, 40))} is not an unsigned number`);
  const v = BigInt(t);
  if (v > max) throw new RangeError(`${what}: ${t} does not fit in ${max.toString(2).length} bits`);
  return v;
}

function hexBytes(text: string): Uint8Array {
  const t = text.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(t)) throw new RangeError('struct bytes: hex pairs expected');
  return Uint8Array.from(t.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

/** Lays out the caller's struct and arrays; returns the memory and the registers' struct pointer and size. */
export function eaMemory(sys: EaSyscall, request: EaRequest, order: Endian): { memory: AddressSpace; usize: number } {
  const hex = request.hex.trim() === '' ? null : hexBytes(request.hex);
  const usize = request.usize.trim() === '' ? (hex?.length ?? sys.struct.size) : Number(number(request.usize, 'usize', BigInt(MAX_USIZE)));
  const bytes = new Uint8Array(Math.max(usize, hex?.length ?? 0));
  const memory = new AddressSpace();
  if (hex !== null) bytes.set(hex);
  else {
    let next = ARRAYS;
    for (const [name, text] of Object.entries(request.fields)) {
      if (text.trim() === '') continue;
      const f = sys.struct.fields.get(name);
      if (f === undefined || (f.type.kind !== 'scalar' && f.type.kind !== 'pointer')) throw new RangeError(`${name}: no such field of struct ${sys.struct.name}`);
      if (f.offset + f.type.size > bytes.length) throw new RangeError(`${name}: at bytes ${f.offset}..${f.offset + f.type.size}, past usize ${bytes.length}`);
      const size = f.type.size as 1 | 2 | 4 | 8;
      const list = /^\s*\[(.*)\]\s*$/.exec(text);
      if (list !== null) {
        if (f.type.kind !== 'pointer' || f.type.direction !== 'in') throw new RangeError(`${name}: a list is for an input pointer field`);
        const element = pointee(f.type).size;
        if (element !== 1 && element !== 2 && element !== 4 && element !== 8) throw new RangeError(`${name}: its elements are ${element}-byte structs; give an address`);
        const items = list[1]!.trim() === '' ? [] : list[1]!.split(',');
        if (items.length * element > 4096) throw new RangeError(`${name}: at most ${4096 / element} elements`);
        const array = new Uint8Array(Math.max(1, items.length) * element);
        items.forEach((item, i) => {
          writeField(array, i * element, element, order, number(item, `${name}[${i}]`, (1n << BigInt(8 * element)) - 1n));
        });
        memory.map(Number(next), array);
        writeField(bytes, f.offset, size, order, next);
        next += 0x1000n;
      } else {
        writeField(bytes, f.offset, size, order, number(text, name, (1n << BigInt(8 * size)) - 1n));
      }
    }
  }
  memory.map(Number(STRUCT_ADDRESS), bytes);
  return { memory, usize };
}

/**
 * Flattens one EA call for a filter with the given strategy and needs: returns the image (as
 * the kernel hands it over, before the filter's zero-fill) and @ea/workbench's summary of it.
 */
export function eaImage(
  syscall: string, arch: string, args: readonly bigint[], request: EaRequest, strategy: Strategy, needs: Needs,
): { view: DataView; summary: readonly string[] } {
  const info = archInfo(arch);
  const sys = eaSyscall(syscall);
  const { memory, usize } = eaMemory(sys, request, info.endian);
  const regs = [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
  regs[sys.ptrArg] = STRUCT_ADDRESS;
  if (sys.size.kind === 'arg') regs[sys.size.arg] = BigInt(usize);
  const image = defaultEngine(info.endian).image({ regs: { nr: sys.nr, arch: info.auditArch, args: regs }, memory }, sys, strategy, needs);
  return { view: image.view, summary: image.summary };
}
