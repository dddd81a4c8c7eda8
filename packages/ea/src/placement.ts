/**
 * Where the flattener puts things, as far as a filter needs to know: the two strategies of
 * @ea/layout, reduced to the offsets the builder bakes into its loads.
 *
 * - jump-table (Aleksa Sarai's sketch): every copied struct has a table the size of the struct;
 *   the table word at a pointer field's offset holds the image offset of the pointee's copy
 *   (0 when nothing was copied: NULL pointer, zero length, or a fault). A filter reaches a nested
 *   field with `ld [table + off]; tax; ld [x + k]`, one more `ld [x + k]; tax` per level.
 * - fixed-window: every pointer path gets a zero-filled window of its maximum size at a fixed
 *   image offset, so nested fields are plain absolute loads.
 */

export interface JumpTablePlacement {
  readonly strategy: 'jump-table';
  /** Image offset of the copy of the caller's struct. */
  readonly root: number;
  /** Image offset of the root struct's jump table. */
  readonly rootTable: number;
  /**
   * Offset of a nested struct's jump table relative to the image offset its table word holds
   * (negative when the table precedes the copy).
   */
  readonly tableDelta: (structName: string) => number;
}

export interface FixedWindowPlacement {
  readonly strategy: 'fixed-window';
  /** Image offset of the copy of the caller's struct. */
  readonly root: number;
  /** Image offset of the window for a pointer chain such as `set_tid` or `bar->barbaz`. */
  readonly window: (chain: string) => number;
}

export type Placement = JumpTablePlacement | FixedWindowPlacement;

export type Strategy = Placement['strategy'];
