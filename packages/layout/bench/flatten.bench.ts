import { AddressSpace, Flattener } from '@ea/layout';
const m = new AddressSpace();
const ca = new Uint8Array(88); const dv = new DataView(ca.buffer);
dv.setBigUint64(64, 0x20000n, true); dv.setBigUint64(72, 4n, true); dv.setBigUint64(0, 0x100n, true);
m.map(0x10000, ca); m.map(0x20000, new Uint8Array(16).fill(7));
const regs = { nr: 435, args: [0x10000, 88, 0, 0, 0, 0] };
for (const s of ['jump','window'] as const) {
  const f = new Flattener('clone3', { root: 88, pointees: { set_tid: 8 } }, { strategy: s });
  for (let rep = 0; rep < 3; rep++) {
  const t0 = performance.now(); const N = 2e6;
  for (let i = 0; i < N; i++) f.flatten(regs, m);
  console.log(s, 'ns/call', (((performance.now() - t0) * 1e6) / N).toFixed(1), f.length, f.copied);
  }
}
