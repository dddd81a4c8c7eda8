/**
 * Where the flattener (@ea/layout) puts things, as far as a filter needs to know.
 *
 * - jump-table (Aleksa Sarai's sketch): the root's jump table is at
 *   EA_REGION_OFFSET, every object is preceded by a table as large as its struct, and the
 *   8-byte slot at a pointer field's offset holds [u32 data offset][u32 table offset] of the
 *   copied pointee, both 0 when nothing was copied (NULL, zero length, fault, limit). The root
 *   copy itself starts after the root table, whose size is the *kernel's* struct size, so it
 *   moves between kernel versions: filters reach root fields through ea_meta.root.
 * - fixed-window: every pointer path the filter reads gets a window at a
 *   fixed offset, [u32 length][u32 status][data], computed from the filter's needs; the root
 *   follows the windows. Everything is an absolute load.
 */

import { EA_REGION_OFFSET } from '@ea/bpf';
import { type EaSyscall, Flattener, type Strategy } from '@ea/layout';
import type { Needs } from './build.js';

/** Describes where the jump-table strategy puts the root's table (and, for tests, a static root). */
export interface JumpTablePlacement {
  readonly strategy: 'jump-table';
  /** Image offset of the root struct's jump table. */
  readonly rootTable: number;
  /**
   * A static root offset to load root fields from (`ld [root + off]`) instead of going through
   * ea_meta.root. Only correct on a kernel whose root table has the same size as the one this
   * was taken from; the matrix tests use it to show why the default reads ea_meta.root.
   */
  readonly staticRoot?: number;
}

/** Locates one fixed window in the image: its data and its status word. */
export interface WindowSpot {
  /** Image offset of the first data byte. */
  readonly data: number;
  /** Image offset of the status word (0 = copied). */
  readonly status: number;
}

/** Describes where the fixed-window strategy puts the struct copy and each pointer chain's window. */
export interface FixedWindowPlacement {
  readonly strategy: 'fixed-window';
  /** Image offset of the copy of the caller's struct. */
  readonly root: number;
  /** The window for a pointer chain such as `set_tid` or `bar->barbaz`. */
  readonly window: (chain: string) => WindowSpot;
}

/** Describes where a strategy puts the caller's struct and its pointees in the image. */
export type Placement = JumpTablePlacement | FixedWindowPlacement;

/** Names a flattening strategy: jump-table or fixed-window (@ea/layout's Strategy). */
export type { Strategy };

/**
 * Returns where @ea/layout's flattener puts the root, tables and windows for these needs on a
 * kernel that knows `sys`: what buildFilter bakes into the filter's loads.
 */
export function layoutPlacement(sys: EaSyscall, strategy: Strategy, needs: Needs): Placement {
  if (strategy === 'jump-table') return { strategy, rootTable: EA_REGION_OFFSET };
  const f = new Flattener(sys, { root: needs.root, pointees: needs.pointees }, { strategy });
  const windows = new Map(f.windows.map((w) => [w.path, w.offset]));
  return {
    strategy,
    root: f.rootOffset,
    window: (chain) => {
      const at = windows.get(chain);
      if (at === undefined) throw new Error(`no window for ${chain} (needs: ${[...windows.keys()].join(', ')})`);
      return { status: at + 4, data: at + 8 };
    },
  };
}
