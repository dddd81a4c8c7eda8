/**
 * The helpers' Memory over a core's regions. The core keeps an extra region as a base and a
 * length in a DataView over its whole buffer (portable.ts); a helper must see exactly the region,
 * so this Memory holds an exact view per region, made only when a helper touches a region that
 * changed since its view was made: a program calling a helper per packet does not pay a DataView
 * for the packet it never hands to a helper.
 */
import { Memory, REGION_CTX, REGION_STACK } from '@ea/ebpf';
import type { Core } from './portable.js';

/** Is @ea/ebpf's Memory over a core's regions, with exact views made lazily. */
export class CoreMemory extends Memory {
  /** Whether views[i] no longer shows memory index i's region. */
  readonly #stale: boolean[];
  /** Whether any view is stale. */
  #anyStale = false;

  constructor(readonly state: Core['state']) {
    const { views, bases, lengths } = state;
    const exact = (i: number): Uint8Array => new Uint8Array(views[i]!.buffer, views[i]!.byteOffset + bases[i]!, lengths[i]!);
    super(exact(REGION_CTX - 1), views.slice(REGION_STACK).map((_, j) => exact(j + REGION_STACK)), views[REGION_STACK - 1]!);
    this.#stale = views.map(() => false);
  }

  /** Marks memory index `index`'s view stale (the core now shows other bytes there). */
  invalidate(index: number): void {
    if (index === REGION_STACK - 1) return; // the stack is shared and never replaced
    this.#stale[index] = true;
    this.#anyStale = true;
  }

  /** Makes an exact view of region `index` as the core shows it now. */
  #sync(index: number): void {
    const { views, bases, lengths } = this.state;
    const view = views[index]!;
    this.views[index] = new DataView(view.buffer, view.byteOffset + bases[index]!, lengths[index]!);
    this.#stale[index] = false;
  }

  #syncAll(): void {
    if (!this.#anyStale) return;
    this.#stale.forEach((stale, i) => {
      if (stale) this.#sync(i);
    });
    this.#anyStale = false;
  }

  /** The context's bytes, as the core shows them now. */
  override get ctx(): Uint8Array {
    this.#syncAll();
    return super.ctx;
  }

  /** The extra regions' bytes, as the core shows them now. */
  override get extra(): Uint8Array[] {
    this.#syncAll();
    return super.extra;
  }

  /** Resolves as Memory.resolve does, over the region as the core shows it now. */
  override resolve(address: bigint, size: number, pc: number): DataView {
    const tag = Number(address >> 32n);
    if (tag >= 1 && this.#stale[tag - 1] === true) this.#sync(tag - 1);
    return super.resolve(address, size, pc);
  }

  /** Resolves as Memory.resolvePair does, over the region as the core shows it now. */
  override resolvePair(hi: number, lo: number, size: number, pc: number): DataView {
    if (hi >= 1 && this.#stale[hi - 1] === true) this.#sync(hi - 1);
    return super.resolvePair(hi, lo, size, pc);
  }
}
