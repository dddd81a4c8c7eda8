/**
 * Builds an example call for a catalog entry: the caller's struct at a fixed address with
 * every input pointer pointing at a small, recognisable pointee (recursively), so the CLI
 * and the docs can show a flattened image without a real process.
 */
import type { EaSyscall } from './catalog.js';
import type { Registers } from './flatten.js';
import { AddressSpace } from './memory.js';
import type { FilterNeeds } from './plan.js';
import { type CType, type StructType, pointee, pointerFields } from './types.js';

/** Describes one call of a layout demo. */
export interface DemoCall {
  readonly registers: Registers;
  readonly memory: AddressSpace;
  /** Needs that read every demo pointee whole (for the window strategy). */
  readonly needs: FilterNeeds;
}

const ROOT = 0x7f0000010000;
const STEP = 0x1000;

/** Returns an example call of `sys` passing `usize` bytes (default: the newest version). */
export function demoCall(sys: EaSyscall, usize = sys.ksize, elements = 3): DemoCall {
  const memory = new AddressSpace();
  const pointees: Record<string, number> = {};
  let next = ROOT + STEP;
  const fill = (t: CType, bytes: Uint8Array, prefix: string, depth: number, limit: number): void => {
    if (t.kind !== 'struct' || depth > 4) return;
    const v = new DataView(bytes.buffer);
    for (const f of pointerFields(t)) {
      if (f.type.direction !== 'in' || f.offset + 8 > limit) continue;
      const to = pointee(f.type);
      const len = f.type.length;
      const count = len.kind === 'count' ? elements : 1;
      const size = to.size * count;
      const addr = next;
      next += STEP;
      v.setBigUint64(f.offset, BigInt(addr), true);
      if (len.kind === 'count' || len.kind === 'bytes') {
        const lf = (t as StructType).fields.get(len.field)!;
        const n = len.kind === 'count' ? count : size;
        if (lf.offset + lf.type.size <= limit) {
          if (lf.type.size === 8) v.setBigUint64(lf.offset, BigInt(n), true);
          else if (lf.type.size === 4) v.setUint32(lf.offset, n, true);
          else v.setUint8(lf.offset, n);
        }
      }
      const body = new Uint8Array(size);
      // recognisable contents: element i of a pointee at depth d holds 0x10 * d + i + 1
      for (let i = 0; i < count; i++) body[i * to.size] = 0x10 * depth + i + 1;
      const path = prefix + f.path;
      pointees[path] = size;
      fill(to, body, `${path}->`, depth + 1, size);
      memory.map(addr, body);
    }
  };
  const root = new Uint8Array(Math.max(usize, 8));
  fill(sys.struct, root, '', 1, usize);
  if (sys.size.kind === 'field') new DataView(root.buffer).setUint32(sys.size.offset, usize, true);
  memory.map(ROOT, root);
  const args: (number | bigint)[] = [0, 0, 0, 0, 0, 0];
  args[sys.ptrArg] = ROOT;
  if (sys.size.kind === 'arg') args[sys.size.arg] = usize;
  if (sys.size.kind === 'ioctl') args[sys.size.arg] = 0xc0000000 + usize * 0x10000 + 0x2103;
  return { registers: { nr: sys.nr, args }, memory, needs: { root: usize, pointees } };
}
