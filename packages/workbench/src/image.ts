/**
 * Images for calls through @ea/layout's Flattener, as a kernel that knows one struct version
 * would build them, and a short human summary of an image (what the examples print).
 */
import { EA_META_ESIZE, EA_META_FLAGS, EA_META_ROOT, EA_META_USIZE, EA_REGION_OFFSET, type Endian } from '@ea/bpf';
import { imageSize } from '@ea/interpreter';
import { type EaSyscall, Flattener, type PointerNode } from '@ea/layout';
import type { Needs, Strategy } from '@ea/policy';
import type { VerifiedProgram } from '@ea/verifier';
import type { EaCall, FlatImage } from './engine.js';

function flattener(sys: EaSyscall, strategy: Strategy, needs: Needs, order: Endian): Flattener {
  return new Flattener(sys, { root: needs.root, pointees: needs.pointees }, { strategy, endian: order });
}

/**
 * Returns the image as the kernel hands it to `verified`: zero-filled up to the end of the
 * filter's furthest absolute load (the seed's option 3). The flattener fills to the needs it
 * was given; a filter that reads further (an absolute root offset taken from another kernel)
 * sees zeros there, as it would in the kernel, and the engines, which refuse an image shorter
 * than the filter reads, get a whole one. Anything but a DataView is passed on for them to refuse.
 */
export function filterImage(view: DataView, verified: VerifiedProgram): DataView {
  const need = imageSize(verified);
  if (!(view instanceof DataView) || view.byteLength >= need) return view;
  const bytes = new Uint8Array(need);
  bytes.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return new DataView(bytes.buffer);
}

/** Flattens one call as a kernel that knows `sys` would, and summarizes the image. */
export function flatImage(
  call: EaCall,
  sys: EaSyscall,
  strategy: Strategy,
  needs: Needs,
  order: Endian = 'le',
): FlatImage {
  const f = flattener(sys, strategy, needs, order);
  const n = f.flatten(call.regs, call.memory);
  const bytes = f.image.slice(0, n);
  const view = new DataView(bytes.buffer);
  return { view, summary: summarize(f, view, order === 'le') };
}

function summarize(f: Flattener, view: DataView, little: boolean): string[] {
  const u32 = (at: number): number => (at + 4 <= view.byteLength ? view.getUint32(at, little) : 0);
  const root = u32(EA_META_ROOT);
  const flags = u32(EA_META_FLAGS);
  const names = ['PRESENT', 'TRUNCATED', 'FAULT'].filter((_, i) => (flags & (1 << i)) !== 0);
  const lines = [
    `image ${view.byteLength} bytes, strategy ${f.strategy}`,
    `  [0, 64)    seccomp_data nr=${u32(0)} arch=0x${u32(4).toString(16)}`,
    `  [64, 80)   ea_meta usize=${u32(EA_META_USIZE)} esize=${u32(EA_META_ESIZE)} root=${root} flags=${names.join('|') || '0'}`,
  ];
  if (f.strategy === 'jump-table') {
    if (f.rootTableSize > 0) lines.push(`  [80, ${80 + f.rootTableSize}) jump table of ${f.sys.struct.name}`);
    lines.push(`  [${root}, ...) ${f.sys.struct.name} (caller's bytes)`);
    const walk = (nodes: readonly PointerNode[] | null, table: number, depth: number): void => {
      for (const node of nodes ?? []) {
        const data = u32(table + node.offset);
        const sub = u32(table + node.offset + 4);
        const pad = '  '.repeat(depth);
        lines.push(
          data === 0
            ? `  ${pad}slot ${node.path} @${table + node.offset}: not copied`
            : `  ${pad}slot ${node.path} @${table + node.offset}: data at ${data}${node.tableSize > 0 ? `, table at ${sub}` : ''}`,
        );
        if (data !== 0 && node.tableSize > 0) walk(node.children, sub, depth + 1);
      }
    };
    walk(f.pointers, EA_REGION_OFFSET, 0);
  } else {
    const status = ['ok', 'null', 'fault', 'limit'];
    for (const w of f.windows) {
      lines.push(
        `  [${w.offset}, ${w.offset + 8 + w.size}) window ${w.path}: length ${u32(w.offset)}, status ${status[u32(w.offset + 4)] ?? u32(w.offset + 4)}`,
      );
    }
    lines.push(`  [${root}, ...) ${f.sys.struct.name} (caller's bytes)`);
  }
  return lines;
}
