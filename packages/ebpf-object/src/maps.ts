/**
 * Maps with the user-space API of bpf(2) (lookup, update with BPF_ANY/BPF_NOEXIST/BPF_EXIST,
 * delete, iterate) and the kernel's errors. Each map keeps all its values in one byte array, which
 * a run sees as a region per value (small maps) or one region (mapRegions), so a program writes
 * values in place as in the kernel. Per-CPU maps are modelled with one CPU.
 * Semantics follow kernel/bpf/arraymap.c and hashtab.c.
 */
import { type Errno, MapError } from './errors.js';

/** Map types (enum bpf_map_type) this package models. */
export const MAP_TYPES = { hash: 1, array: 2, percpu_hash: 5, percpu_array: 6, lru_hash: 9, lru_percpu_hash: 10, ringbuf: 27, prog_array: 3 } as const;
/** Is a modelled map type name. */
export type MapTypeName = keyof typeof MAP_TYPES;

/** Update flag: create or replace. */
export const BPF_ANY = 0;
/** Update flag: create only (EEXIST if present). */
export const BPF_NOEXIST = 1;
/** Update flag: replace only (ENOENT if absent). */
export const BPF_EXIST = 2;

/** Is a map's shape. */
export interface MapDef {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/** Is one map: the user-space API plus the slot view helpers use. */
export interface BpfMap {
  readonly def: MapDef;
  readonly typeName: MapTypeName;
  /** Every value slot, value_size bytes each: the map's region. */
  readonly storage: Uint8Array;
  /** Returns a copy of the value, or undefined. */
  lookup(key: Uint8Array): Uint8Array | undefined;
  /** Returns the slot index of the value, or -1 (helpers make a pointer of it). */
  slotOf(key: Uint8Array): number;
  /** slotOf() for a key at byte `at` of a view (a helper's key pointer), without copying it. */
  slotAt(view: DataView, at: number): number;
  update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  delete(key: Uint8Array): void;
  /** update() for helpers: the errno and why instead of a throw (a program meets a full map often; an Error per packet is slow). */
  tryUpdate(key: Uint8Array, value: Uint8Array, flags: number): Refusal | null;
  /** delete() for helpers, as tryUpdate. */
  tryDelete(key: Uint8Array): Refusal | null;
  /** Keys in iteration order (bpf_map_get_next_key order: index order, or insertion order). */
  keys(): Uint8Array[];
}

const MAX_STORAGE = 1 << 28;

/** Is a refused operation: the errno and why. */
export type Refusal = readonly [Errno, string];

function raise(map: BpfMap, refusal: Refusal | null): void {
  if (refusal !== null) throw new MapError(refusal[0], map.def.name, refusal[1]);
}

function typeName(type: number): MapTypeName | undefined {
  for (const [name, n] of Object.entries(MAP_TYPES)) if (n === type) return name as MapTypeName;
  return undefined;
}

/** Creates a map; MapError EINVAL for a shape the kernel's map_alloc_check would refuse. */
export function createMap(def: MapDef): BpfMap {
  const name = typeName(def.type);
  if (name === undefined) throw new MapError('EINVAL', def.name, `map type ${def.type} is not modelled`);
  if (name === 'ringbuf') return new RingBuffer(def);
  if (name === 'prog_array') return new ProgArray(def);
  if (def.keySize === 0 || def.valueSize === 0 || def.maxEntries === 0) {
    throw new MapError('EINVAL', def.name, `key_size ${def.keySize}, value_size ${def.valueSize}, max_entries ${def.maxEntries}: none may be 0`);
  }
  if (def.valueSize * def.maxEntries > MAX_STORAGE) throw new MapError('E2BIG', def.name, `${def.maxEntries} values of ${def.valueSize} bytes`);
  if ((name === 'array' || name === 'percpu_array') && def.keySize !== 4) throw new MapError('EINVAL', def.name, `an array's key_size must be 4 (got ${def.keySize})`);
  return name === 'array' || name === 'percpu_array' ? new ArrayMap(def, name) : new HashMap(def, name);
}

function checkSizes(map: BpfMap, key: Uint8Array, value?: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== map.def.keySize) throw new MapError('EINVAL', map.def.name, `the key must be ${map.def.keySize} bytes`);
  if (value !== undefined && (!(value instanceof Uint8Array) || value.length !== map.def.valueSize)) {
    throw new MapError('EINVAL', map.def.name, `the value must be ${map.def.valueSize} bytes`);
  }
}

/** An array map: max_entries zero-filled values indexed by a u32 key; elements always exist. */
class ArrayMap implements BpfMap {
  readonly storage: Uint8Array;
  constructor(readonly def: MapDef, readonly typeName: MapTypeName) {
    this.storage = new Uint8Array(def.valueSize * def.maxEntries);
  }
  #index(key: Uint8Array): number {
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }
  slotOf(key: Uint8Array): number {
    const i = this.#index(key);
    return i < this.def.maxEntries ? i : -1;
  }
  slotAt(view: DataView, at: number): number {
    const i = view.getUint32(at, true);
    return i < this.def.maxEntries ? i : -1;
  }
  lookup(key: Uint8Array): Uint8Array | undefined {
    checkSizes(this, key);
    const i = this.slotOf(key);
    return i < 0 ? undefined : this.storage.slice(i * this.def.valueSize, (i + 1) * this.def.valueSize);
  }
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): void {
    checkSizes(this, key, value);
    raise(this, this.tryUpdate(key, value, flags));
  }
  tryUpdate(key: Uint8Array, value: Uint8Array, flags: number): Refusal | null {
    if (flags !== BPF_ANY && flags !== BPF_NOEXIST && flags !== BPF_EXIST) return ['EINVAL', `flags ${flags}`];
    const i = this.#index(key);
    // array_map_update_elem: out of range is E2BIG, NOEXIST is EEXIST (every element exists).
    if (i >= this.def.maxEntries) return ['E2BIG', `index ${i} >= max_entries ${this.def.maxEntries}`];
    if (flags === BPF_NOEXIST) return ['EEXIST', `index ${i} exists (array elements always do)`];
    this.storage.set(value, i * this.def.valueSize);
    return null;
  }
  delete(key: Uint8Array): void {
    checkSizes(this, key);
    raise(this, this.tryDelete(key));
  }
  tryDelete(_key: Uint8Array): Refusal | null {
    return ['EINVAL', 'array elements cannot be deleted'];
  }
  keys(): Uint8Array[] {
    return Array.from({ length: this.def.maxEntries }, (_, i) => {
      const k = new Uint8Array(4);
      new DataView(k.buffer).setUint32(0, i, true);
      return k;
    });
  }
}

/**
 * A hash key as a JS Map key: keys of up to 6 bytes as the little-endian integer they spell (exact
 * in a double, and a number key costs no string), longer ones as a string of their bytes.
 */
type HashKey = number | string;

function hashKey(view: DataView, at: number, size: number): HashKey {
  if (size <= 6) {
    let n = 0;
    for (let j = size - 1; j >= 0; j--) n = n * 256 + view.getUint8(at + j);
    return n;
  }
  let s = '';
  for (let j = 0; j < size; j++) s += String.fromCharCode(view.getUint8(at + j));
  return s;
}

function keyBytes(key: HashKey, size: number): Uint8Array {
  if (typeof key === 'string') return Uint8Array.from(key, (c) => c.charCodeAt(0));
  const bytes = new Uint8Array(size);
  for (let j = 0, n = key; j < size; j++, n = Math.floor(n / 256)) bytes[j] = n % 256;
  return bytes;
}

const viewOf = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.length);

/**
 * A hash map (also per-CPU with one CPU, and LRU): keys to slots. A JS Map keeps insertion order;
 * the LRU variant moves a key to the end on every lookup and update, and when full evicts the
 * first key, so eviction is exact least-recently-used (the kernel's bpf_lru is an approximation
 * with per-CPU lists, so which key it evicts can differ).
 */
class HashMap implements BpfMap {
  readonly storage: Uint8Array;
  readonly #slots = new Map<HashKey, number>();
  readonly #free: number[] = [];
  readonly #lru: boolean;
  constructor(readonly def: MapDef, readonly typeName: MapTypeName) {
    this.storage = new Uint8Array(def.valueSize * def.maxEntries);
    for (let i = def.maxEntries - 1; i >= 0; i--) this.#free.push(i);
    this.#lru = typeName === 'lru_hash' || typeName === 'lru_percpu_hash';
  }
  #touch(k: HashKey, slot: number): void {
    if (!this.#lru) return;
    this.#slots.delete(k);
    this.#slots.set(k, slot);
  }
  slotOf(key: Uint8Array): number {
    return this.slotAt(viewOf(key), 0);
  }
  slotAt(view: DataView, at: number): number {
    const k = hashKey(view, at, this.def.keySize);
    const slot = this.#slots.get(k);
    if (slot === undefined) return -1;
    this.#touch(k, slot);
    return slot;
  }
  lookup(key: Uint8Array): Uint8Array | undefined {
    checkSizes(this, key);
    const i = this.slotOf(key);
    return i < 0 ? undefined : this.storage.slice(i * this.def.valueSize, (i + 1) * this.def.valueSize);
  }
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): void {
    checkSizes(this, key, value);
    raise(this, this.tryUpdate(key, value, flags));
  }
  tryUpdate(key: Uint8Array, value: Uint8Array, flags: number): Refusal | null {
    if (flags !== BPF_ANY && flags !== BPF_NOEXIST && flags !== BPF_EXIST) return ['EINVAL', `flags ${flags}`];
    const k = hashKey(viewOf(key), 0, this.def.keySize);
    let slot = this.#slots.get(k);
    if (slot === undefined && flags === BPF_EXIST) return ['ENOENT', 'BPF_EXIST and the key is absent'];
    if (slot !== undefined && flags === BPF_NOEXIST) return ['EEXIST', 'BPF_NOEXIST and the key is present'];
    if (slot === undefined) {
      if (this.#free.length === 0 && this.#lru) {
        const [oldest, freed] = this.#slots.entries().next().value as [HashKey, number];
        this.#slots.delete(oldest);
        this.#free.push(freed);
      }
      slot = this.#free.pop();
      if (slot === undefined) return ['E2BIG', `full (max_entries ${this.def.maxEntries})`];
      this.#slots.set(k, slot);
    } else this.#touch(k, slot);
    this.storage.set(value, slot * this.def.valueSize);
    return null;
  }
  delete(key: Uint8Array): void {
    checkSizes(this, key);
    raise(this, this.tryDelete(key));
  }
  tryDelete(key: Uint8Array): Refusal | null {
    const k = hashKey(viewOf(key), 0, this.def.keySize);
    const slot = this.#slots.get(k);
    if (slot === undefined) return ['ENOENT', 'the key is absent'];
    this.#slots.delete(k);
    this.#free.push(slot);
    return null;
  }
  keys(): Uint8Array[] {
    return [...this.#slots.keys()].map((k) => keyBytes(k, this.def.keySize));
  }
}

/** Bytes of a ring buffer record's header (BPF_RINGBUF_HDR_SZ). */
export const BPF_RINGBUF_HDR_SZ = 8;

/**
 * A ring buffer (BPF_MAP_TYPE_RINGBUF) whose records go to a JavaScript callback (`onRecord`),
 * consumed at once, so it never fills with delivered records. bpf_ringbuf_output delivers a copy
 * straight away; bpf_ringbuf_reserve hands the program `size` bytes of the buffer's data area
 * (`storage`, max_entries bytes, the map's region) after an 8-byte header, and bpf_ringbuf_submit
 * delivers it, bpf_ringbuf_discard drops it. As in the kernel, records reach the consumer in
 * reservation order: a submitted record waits behind an earlier one still reserved. A record that
 * does not fit the space not held by pending reservations (round_up(size + 8, 8) bytes) is refused:
 * EAGAIN for output, NULL for reserve (__bpf_ringbuf_reserve). ringbuf_map_alloc's rules: key and
 * value size 0, max_entries a power of 2 and a multiple of the 4096-byte page. It has no elements:
 * lookup, update and delete are EINVAL.
 */
export class RingBuffer implements BpfMap {
  readonly typeName = 'ringbuf';
  /** The data area reservations are made in. */
  readonly storage: Uint8Array;
  /** Receives each record (a copy). */
  onRecord: ((record: Uint8Array) => void) | undefined = undefined;
  /** Reservations not yet delivered or dropped, in reservation order. */
  readonly #pending: { at: number; size: number; state: 'reserved' | 'submitted' | 'discarded' }[] = [];
  /** Where the next reservation starts (back to 0 when none is pending). */
  #next = 0;
  constructor(readonly def: MapDef) {
    const n = def.maxEntries;
    if (def.keySize !== 0 || def.valueSize !== 0 || n === 0 || (n & (n - 1)) !== 0 || n % 4096 !== 0) {
      throw new MapError('EINVAL', def.name, `a ring buffer has key and value size 0 and max_entries a power of 2, a multiple of 4096 (got ${def.keySize}, ${def.valueSize}, ${n})`);
    }
    if (n > MAX_STORAGE) throw new MapError('E2BIG', def.name, `a ${n}-byte ring buffer`);
    this.storage = new Uint8Array(n);
  }
  /** Delivers one record; returns the refusal when it cannot fit. */
  output(record: Uint8Array): Refusal | null {
    if (this.#place(record.length) < 0) return ['EAGAIN', `a ${record.length}-byte record does not fit the free space of a ${this.def.maxEntries}-byte ring buffer`];
    if (this.#pending.length === 0) {
      this.onRecord?.(record.slice());
      return null;
    }
    // Behind a pending reservation: queued in order, delivered when the ones before it are.
    const at = this.#reserveAt(record.length);
    this.storage.set(record, at);
    this.#pending[this.#pending.length - 1]!.state = 'submitted';
    return null;
  }
  /** Returns where a record of `size` bytes would go (its data, after the header), or -1 when it does not fit. */
  #place(size: number): number {
    const need = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7;
    if (size < 0 || need > this.def.maxEntries || this.#next + need > this.def.maxEntries) return -1;
    return this.#next + BPF_RINGBUF_HDR_SZ;
  }
  #reserveAt(size: number): number {
    const at = this.#place(size);
    this.#next += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7;
    this.#pending.push({ at, size, state: 'reserved' });
    return at;
  }
  /** Reserves `size` bytes (bpf_ringbuf_reserve): returns their offset in `storage` for the program to fill, or -1 (NULL). */
  reserve(size: number): number {
    if (this.#place(size) < 0) return -1;
    const at = this.#reserveAt(size);
    this.storage.fill(0, at, at + size);
    return at;
  }
  /**
   * Submits (bpf_ringbuf_submit) or, with `discard`, drops (bpf_ringbuf_discard) the reservation
   * whose data is at `at`; returns false when no pending reservation starts there.
   */
  commit(at: number, discard: boolean): boolean {
    const record = this.#pending.find((r) => r.at === at && r.state === 'reserved');
    if (record === undefined) return false;
    record.state = discard ? 'discarded' : 'submitted';
    this.#flush();
    return true;
  }
  /** Delivers the records at the head that are no longer reserved, in order. */
  #flush(): void {
    while (this.#pending.length > 0 && this.#pending[0]!.state !== 'reserved') {
      const done = this.#pending.shift()!;
      if (done.state === 'submitted') this.onRecord?.(this.storage.slice(done.at, done.at + done.size));
    }
    if (this.#pending.length === 0) this.#next = 0;
  }
  /** Returns how many reservations are neither submitted nor discarded. */
  get reserved(): number {
    return this.#pending.filter((r) => r.state === 'reserved').length;
  }
  /** Drops every pending reservation (a program that exited holding one: the kernel's verifier refuses it). */
  abandon(): void {
    for (const r of this.#pending) if (r.state === 'reserved') r.state = 'discarded';
    this.#flush();
  }
  /** Returns -1: there are no slots. */
  slotOf(): number {
    return -1;
  }
  /** Returns -1: there are no slots. */
  slotAt(): number {
    return -1;
  }
  /** Throws EINVAL: no elements. */
  lookup(): Uint8Array | undefined {
    throw new MapError('EINVAL', this.def.name, 'a ring buffer has no elements to look up');
  }
  /** Throws EINVAL: no elements. */
  update(): void {
    throw new MapError('EINVAL', this.def.name, 'a ring buffer has no elements to update');
  }
  /** Throws EINVAL: no elements. */
  delete(): void {
    throw new MapError('EINVAL', this.def.name, 'a ring buffer has no elements to delete');
  }
  /** Returns EINVAL: no elements. */
  tryUpdate(): Refusal | null {
    return ['EINVAL', 'a ring buffer has no elements to update'];
  }
  /** Returns EINVAL: no elements. */
  tryDelete(): Refusal | null {
    return ['EINVAL', 'a ring buffer has no elements to delete'];
  }
  /** Returns no keys. */
  keys(): Uint8Array[] {
    return [];
  }
}

/**
 * A program array (BPF_MAP_TYPE_PROG_ARRAY) for bpf_tail_call. The kernel stores program fds;
 * here a value is the index of a program of the same object (`object.programs[i]`), a u32.
 * bpf_fd_array_map_update_elem's rules: key and value size 4, flags must be BPF_ANY (else
 * EINVAL), an index past max_entries is E2BIG; delete of an empty slot is ENOENT.
 */
export class ProgArray implements BpfMap {
  readonly typeName = 'prog_array';
  readonly storage = new Uint8Array(0);
  readonly #slots: (number | undefined)[];
  constructor(readonly def: MapDef) {
    if (def.keySize !== 4 || def.valueSize !== 4) throw new MapError('EINVAL', def.name, `a program array has key and value size 4 (got ${def.keySize}, ${def.valueSize})`);
    this.#slots = new Array<number | undefined>(def.maxEntries).fill(undefined);
  }
  #index(key: Uint8Array): number {
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }
  /** Returns the program index in slot `index`, or undefined (what bpf_tail_call reads). */
  program(index: number): number | undefined {
    return this.#slots[index];
  }
  /** Returns -1: a program array gives programs no pointers. */
  slotOf(): number {
    return -1;
  }
  /** Returns -1: a program array gives programs no pointers. */
  slotAt(): number {
    return -1;
  }
  /** Returns the program index stored at the key as 4 bytes, or undefined. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    checkSizes(this, key);
    const v = this.#slots[this.#index(key)];
    return v === undefined ? undefined : new Uint8Array(new Uint32Array([v]).buffer);
  }
  /** Stores a program index (BPF_ANY only). */
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): void {
    checkSizes(this, key, value);
    raise(this, this.tryUpdate(key, value, flags));
  }
  /** Returns the refusal of update(), or null after storing. */
  tryUpdate(key: Uint8Array, value: Uint8Array, flags: number): Refusal | null {
    if (flags !== BPF_ANY) return ['EINVAL', 'a program array takes BPF_ANY only'];
    const i = this.#index(key);
    if (i >= this.def.maxEntries) return ['E2BIG', `index ${i} >= max_entries ${this.def.maxEntries}`];
    this.#slots[i] = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
    return null;
  }
  /** Empties a slot. */
  delete(key: Uint8Array): void {
    checkSizes(this, key);
    raise(this, this.tryDelete(key));
  }
  /** Returns the refusal of delete(), or null after emptying. */
  tryDelete(key: Uint8Array): Refusal | null {
    const i = this.#index(key);
    if (i >= this.def.maxEntries) return ['E2BIG', `index ${i} >= max_entries ${this.def.maxEntries}`];
    if (this.#slots[i] === undefined) return ['ENOENT', `slot ${i} is empty`];
    this.#slots[i] = undefined;
    return null;
  }
  /** Returns the keys of the filled slots. */
  keys(): Uint8Array[] {
    return this.#slots.flatMap((v, i) => (v === undefined ? [] : [new Uint8Array(new Uint32Array([i]).buffer)]));
  }
}

/**
 * Maps whose values each get a region of their own when they have at most this many entries: a
 * pointer map_lookup_elem returns then reaches its own value_size bytes and nothing else, as the
 * kernel's verifier allows. A larger map keeps one region for all its values (an engine run checks
 * each region's identity at entry, so a region per value of a big map would cost every run), and
 * there a pointer walked off one value can reach the next value of the same map.
 */
export const PER_VALUE_MAX_ENTRIES = 256;

/** Is how an object's maps lie in a run's extra regions (from the first map region on). */
export interface MapRegions {
  /** The regions, in order: per map, its values (one region each) or its whole storage. */
  readonly regions: readonly Uint8Array[];
  /** The index (in `regions`) of each map's first region. */
  readonly first: readonly number[];
  /** Whether each map has a region per value. */
  readonly perValue: readonly boolean[];
}

/** Returns the regions of maps' values (see PER_VALUE_MAX_ENTRIES). */
export function mapRegions(maps: readonly BpfMap[]): MapRegions {
  const regions: Uint8Array[] = [];
  const first: number[] = [];
  const perValue: boolean[] = [];
  for (const map of maps) {
    first.push(regions.length);
    const { valueSize, maxEntries } = map.def;
    const each = map.storage.length > 0 && maxEntries <= PER_VALUE_MAX_ENTRIES;
    perValue.push(each);
    if (each) for (let k = 0; k < maxEntries; k++) regions.push(map.storage.subarray(k * valueSize, (k + 1) * valueSize));
    else regions.push(map.storage);
  }
  return { regions, first, perValue };
}
