/**
 * Reads a flattened image back into a list of regions (what each byte range holds), by
 * following the jump tables or window headers exactly as a filter would. Used by the
 * `ea-bpf layout` map and SVG, and by tests as an independent check of the flattener.
 */
import {
  EA_FLAG_FAULT,
  EA_FLAG_PRESENT,
  EA_FLAG_TRUNCATED,
  EA_META_ESIZE,
  EA_META_FLAGS,
  EA_META_OFFSET,
  EA_META_ROOT,
  EA_META_USIZE,
  EA_REGION_OFFSET,
  SECCOMP_DATA_SIZE,
} from '@ea/bpf';
import type { Flattener } from './flatten.js';
import type { PointerNode } from './plan.js';

/** Describes one region of a flattened image: what it holds and where. */
export interface ImageRegion {
  readonly offset: number;
  readonly size: number;
  readonly kind: 'seccomp_data' | 'ea_meta' | 'table' | 'object' | 'window_header' | 'window';
  /** What it belongs to: the struct name for the root, a pointer path otherwise. */
  readonly label: string;
  /** Bytes the caller provided (the rest of `size` is zero fill). */
  readonly filled: number;
}

/** Maps a flattened image back to the objects it holds. */
export interface ImageMap {
  readonly usize: number;
  readonly esize: number;
  readonly root: number;
  readonly flags: readonly string[];
  readonly regions: readonly ImageRegion[];
}

/** Returns the regions of the flattener's last image, in image order. */
export function mapImage(f: Flattener): ImageMap {
  const v = f.view;
  const u = (at: number): number => v.getUint32(at, true);
  const regions: ImageRegion[] = [
    { offset: 0, size: SECCOMP_DATA_SIZE, kind: 'seccomp_data', label: 'struct seccomp_data', filled: SECCOMP_DATA_SIZE },
    { offset: EA_META_OFFSET, size: 16, kind: 'ea_meta', label: 'ea_meta', filled: 16 },
  ];
  const flagBits = u(EA_META_FLAGS);
  const flags = [
    ...(flagBits & EA_FLAG_PRESENT ? ['PRESENT'] : []),
    ...(flagBits & EA_FLAG_TRUNCATED ? ['TRUNCATED'] : []),
    ...(flagBits & EA_FLAG_FAULT ? ['FAULT'] : []),
  ];
  const usize = u(EA_META_USIZE);
  const root = u(EA_META_ROOT);
  const rootName = `struct ${f.sys.struct.name}`;
  if (f.strategy === 'jump-table' && f.rootTableSize > 0) {
    regions.push({ offset: EA_REGION_OFFSET, size: f.rootTableSize, kind: 'table', label: `${rootName} table`, filled: 0 });
  }
  for (const w of f.windows) {
    regions.push({ offset: w.offset, size: 8, kind: 'window_header', label: `${w.path} header`, filled: 8 });
    regions.push({ offset: w.offset + 8, size: w.size, kind: 'window', label: w.path, filled: Math.min(u(w.offset), w.size) });
  }
  regions.push({ offset: root, size: 0, kind: 'object', label: rootName, filled: Math.min(usize, f.length - root) });
  if (f.strategy === 'jump-table') walk(f, f.pointers, EA_REGION_OFFSET, regions);
  regions.sort((a, b) => a.offset - b.offset);
  // Objects are laid out back to back (8-aligned): each extends to the next region.
  for (let i = 0; i < regions.length; i++) {
    const r = regions[i]!;
    if (r.kind === 'object') {
      const size = (regions[i + 1]?.offset ?? f.length) - r.offset;
      regions[i] = { ...r, size, filled: r.offset === root ? Math.min(r.filled, size) : size };
    }
  }
  return { usize, esize: u(EA_META_ESIZE), root, flags, regions };
}

function walk(f: Flattener, nodes: readonly PointerNode[], tableAt: number, out: ImageRegion[]): void {
  const v = f.view;
  for (const n of nodes) {
    const data = v.getUint32(tableAt + n.offset, true);
    if (data === 0) continue;
    const table = v.getUint32(tableAt + n.offset + 4, true);
    if (n.tableSize > 0 && table !== 0) out.push({ offset: table, size: n.tableSize, kind: 'table', label: `${n.path} table`, filled: 0 });
    out.push({ offset: data, size: 0, kind: 'object', label: n.path, filled: 0 });
    if (table !== 0) walk(f, n.children, table, out);
  }
}
