/**
 * Measures flattening into a reusable buffer (ns per call) and prints the bytes each
 * strategy copies for the clone3 (set_tid) and nested open_how examples.
 * Run: npx tsx packages/layout/bench/flatten.bench.ts (best of 5 runs of 200,000 calls, CPU time)
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { AddressSpace, Flattener, type FilterNeeds, type Registers, demoCall, eaSyscall } from '@ea/layout';

function clone3(entries: number): { regs: Registers; mem: AddressSpace } {
  const root = new Uint8Array(88);
  const v = new DataView(root.buffer);
  v.setBigUint64(0, 0x100n, true);
  v.setBigUint64(64, 0x20000n, true);
  v.setBigUint64(72, BigInt(entries), true);
  const tids = new Uint8Array(entries * 4).fill(7);
  return { regs: { nr: 435, args: [0x10000, 88, 0, 0, 0, 0] }, mem: new AddressSpace().map(0x10000, root).map(0x20000, tids) };
}

// Garbage collections seen while timing: 0 means the hot path allocates nothing.
let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

function time(f: Flattener, regs: Registers, mem: AddressSpace): number {
  for (let i = 0; i < 20_000; i++) f.flatten(regs, mem);
  let best = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < 5; rep++) {
    // CPU time of this process, not wall time: the machine is shared, and waiting for a
    // core is not the flattener's cost.
    const n = 200_000;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f.flatten(regs, mem);
    const used = process.cpuUsage(t0);
    best = Math.min(best, ((used.user + used.system) * 1000) / n);
  }
  return best;
}

const rows: string[] = [];
for (const entries of [1, 3, 32]) {
  const { regs, mem } = clone3(entries);
  for (const [strategy, needs] of [
    ['jump-table', { root: 88 }],
    ['fixed-window', { root: 88, pointees: { set_tid: 4 } }],
    ['fixed-window', { root: 88, pointees: { set_tid: 128 } }],
  ] as const) {
    const f = new Flattener('clone3', needs as FilterNeeds, { strategy });
    const ns = time(f, regs, mem);
    const need = strategy === 'fixed-window' ? ` need ${needs.pointees?.set_tid}` : '';
    rows.push(`clone3 set_tid[${entries}] ${strategy}${need}: ${ns.toFixed(0)} ns/call, image ${f.length} B, copied ${f.copied} B, GCs ${gcs}`);
    gcs = 0;
  }
}
const nested = demoCall(eaSyscall('openat2_nested'));
for (const strategy of ['jump-table', 'fixed-window'] as const) {
  const f = new Flattener('openat2_nested', strategy === 'jump-table' ? { root: 72 } : nested.needs, { strategy });
  const ns = time(f, nested.registers, nested.memory);
  rows.push(`open_how->foo/bar->barbaz/baz ${strategy}: ${ns.toFixed(0)} ns/call, image ${f.length} B, copied ${f.copied} B, GCs ${gcs}`);
  gcs = 0;
}
console.log(rows.join('\n'));
