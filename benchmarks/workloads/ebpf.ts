/**
 * The eBPF workload: issue 15's three programs (ret1, alu50, packet; @ea/testkit's ebpf-speed-programs.ts) through
 * @ea/ebpf-jit (`run32`, allocation-free, and `run`, which builds a BigInt r0), @ea/ebpf's
 * interpreter (`prepare(p).run32`; r0 is checked against the BigInt reference), and DPDK's
 * librte_bpf JIT and interpreter (native/dpdk-harness.c), in one run so
 * the ratios are taken side by side. Half of DPDK's repetitions run right before a program's
 * JavaScript engines and half right after, as for the classic peers. uBPF's JIT and interpreter
 * (native/ubpf-harness.c) are timed the same way when `EA_UBPF` names a checkout to build
 * (native/ubpf.ts); uBPF is not packaged by Debian, and without it the row says so.
 *
 * librte_bpf's convention passes only r1 (the input pointer), and its verifier cannot follow the
 * parser's own `r8 > r2` bounds test: DPDK's copy of `packet` starts with `mov r2, 64` (our
 * engines get r2 = the length by convention) and its declared buffer is 128 bytes (the 64-byte
 * packet, then zeros that the accepted packet never reaches). uBPF's convention is ours (r1, r2 =
 * the length), so it runs the programs and the input as they are.
 *
 * Two more rows time the JavaScript call itself, the floor under ret1 (`r0 = 1; exit`): the same
 * timing loop calling a function that takes the input and returns 1, and one that also checks
 * that the input is the same Uint8Array as in the last call (what an entry that fails closed on a
 * new input must do at least). They are not engines: they show what part of ret1 is the call.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assemble, encode, interpretReference, load, prepare } from '@ea/ebpf';
import { compile } from '@ea/ebpf-jit';
import { ownLoop } from '../loop.js';
import { median, timePass, type TimingOptions } from '../measure.js';
import { buildDpdkHarness, type DpdkResult, dpdkUnavailable, runDpdkHarness } from '../native/dpdk.js';
import { buildUbpfHarness, runUbpfHarness, ubpfUnavailable } from '../native/ubpf.js';
import { alu50, PACKET, RET1, speedPacket as packet } from '@ea/testkit';

/** One program's numbers (ns per run; null where the engine did not run, with the reason in notes). */
export interface EbpfRow {
  readonly name: string;
  /** A JS call floor row (only `jit32` is set: the floor's ns per call), not a program. */
  readonly floor: boolean;
  readonly slots: number;
  /** r0 in hex, as the interpreter returns it. */
  readonly r0: string;
  readonly jit32: number | null;
  readonly jitBigint: number | null;
  readonly interpreter: number | null;
  readonly dpdkJit: number | null;
  readonly dpdkInterpreter: number | null;
  readonly ubpfJit: number | null;
  readonly ubpfInterpreter: number | null;
  readonly note: string | null;
  /** A disagreement about r0 between engines, or null. */
  readonly mismatch: string | null;
}

const PROGRAMS = [
  { name: 'ret1', text: RET1, dpdkText: RET1, input: new Uint8Array(0), dpdkInput: new Uint8Array(0) },
  { name: 'alu50', text: alu50(), dpdkText: alu50(), input: new Uint8Array(0), dpdkInput: new Uint8Array(0) },
  { name: 'packet', text: PACKET, dpdkText: `mov %r2, 64\n${PACKET}`, input: packet(), dpdkInput: Uint8Array.from({ length: 128 }, (_, i) => packet()[i] ?? 0) },
];

type Run = (input: Uint8Array) => unknown;

/** The call floors: each made by `new Function` of its own text, so each has its own feedback. */
const FLOORS: readonly { name: string; make: () => Run }[] = [
  { name: 'JS call floor: `(input) => 1`', make: () => new Function('input', '// JS call floor: a constant\nreturn 1;') as Run },
  {
    name: 'JS call floor: `(input) => 1` checking the input is the last Uint8Array',
    make: () =>
      // `var`: a closure's read of an outer `let` pays a temporal-dead-zone check on every call;
      // the floor is written the cheapest way (run32's own state is `var` for the same reason).
      new Function(
        'var last = null;\n' +
          'return function floor(input) {\n' +
          '  if (input !== last) {\n' +
          "    if (!(input instanceof Uint8Array)) throw new TypeError('not a Uint8Array');\n" +
          '    last = input;\n' +
          '  }\n' +
          '  return 1;\n' +
          '};',
      )() as Run,
  },
];
const sumLoop = (): ((run: Run, input: Uint8Array, n: number) => number) =>
  ownLoop(['run', 'input', 'n'], 'let h = 0;\nfor (let i = 0; i < n; i++) h = (h + run(input)) | 0;\nreturn h;');
const callLoop = (): ((run: Run, input: Uint8Array, n: number) => number) =>
  ownLoop(['run', 'input', 'n'], 'let k = 0;\nfor (let i = 0; i < n; i++) if (run(input) !== undefined) k++;\nreturn k;');

/** Runs the workload; returns the rows, or why it could not run at all. */
export function runEbpfWorkload(dir: string, timing: TimingOptions, log: (line: string) => void): EbpfRow[] {
  const smoke = timing.smoke ?? false;
  const perPass = smoke ? 100 : 20_000;
  const interpPerPass = smoke ? 10 : 2_000;
  const dpdkIterations = smoke ? 1000 : 2_000_000;
  const dpdkReps = smoke ? 1 : 5;
  mkdirSync(dir, { recursive: true });
  const build = (name: string, unavailable: string | null, make: () => string): { binary: string } | string => {
    let peer: { binary: string } | string = unavailable ?? '';
    if (peer === '') {
      try {
        log(`ebpf: building the ${name} harness`);
        peer = { binary: make() };
      } catch (error) {
        peer = `failed to build: ${(error as Error).message.split('\n')[0]}`;
      }
    }
    if (typeof peer === 'string') log(`ebpf: ${name} not available: ${peer}`);
    return peer;
  };
  const dpdk = build('DPDK', dpdkUnavailable(), buildDpdkHarness);
  const ubpf = build('uBPF', ubpfUnavailable(), buildUbpfHarness);
  const programs = PROGRAMS.map((p, i): EbpfRow => {
    const program = load(encode(assemble(p.text)));
    // r0 from the BigInt reference; the interpreter row times the fast one's allocation-free run32.
    const want = interpretReference(program, p.input);
    const jit = compile(program);
    const fast = prepare(program);
    const notes = new Set<string>();
    const problems: string[] = [];
    if (jit.run(p.input) !== want) problems.push(`JIT run r0 ${jit.run(p.input).toString(16)}`);
    if (jit.run32(p.input) !== Number(want & 0xffffffffn)) problems.push(`JIT run32 r0 ${jit.run32(p.input).toString(16)}`);
    if (fast.run(p.input) !== want) problems.push(`interpreter r0 ${fast.run(p.input).toString(16)}`);
    const peers = [
      { name: 'DPDK', peer: dpdk, run: runDpdkHarness, text: p.dpdkText, bytes: p.dpdkInput },
      { name: 'uBPF', peer: ubpf, run: runUbpfHarness, text: p.text, bytes: p.input },
    ];
    const timePeers = (): (DpdkResult | null)[] =>
      peers.map(({ name, peer, run, text, bytes }) => {
        if (typeof peer === 'string') {
          notes.add(`${name}: ${peer}`);
          return null;
        }
        const code = join(dir, `ebpf-${name}-${i}.bin`);
        const input = join(dir, `ebpf-${name}-${i}.input`);
        writeFileSync(code, encode(assemble(text)));
        writeFileSync(input, bytes);
        try {
          const r = run(peer.binary, input, dpdkIterations, dpdkReps, [code])[0];
          if (r === undefined) notes.add(`${name}: no result`);
          else if (r.error !== null) notes.add(`${name}: ${r.error}`);
          return r ?? null;
        } catch (error) {
          notes.add(`${name}: failed: ${(error as Error).message.split('\n')[0]}`);
          return null;
        }
      });
    const before = timePeers();
    log(`ebpf ${p.name}: our JIT and interpreter`);
    const l32 = sumLoop();
    const lbig = callLoop();
    const lint = sumLoop();
    const jit32 = timePass(`ebpf ${p.name} run32`, () => l32(jit.run32, p.input, perPass), perPass, timing);
    const jitBigint = timePass(`ebpf ${p.name} run`, () => lbig(jit.run, p.input, perPass), perPass, timing);
    const interpreter = timePass(`ebpf ${p.name} interpreter`, () => lint(fast.run32, p.input, interpPerPass), interpPerPass, timing);
    const after = timePeers();
    const summary = peers.map(({ name }, k) => {
      const halves = [before[k], after[k]].filter((r): r is DpdkResult => r !== null && r !== undefined && r.error === null);
      for (const r of halves) {
        const hex = want.toString(16);
        if (r.r0 !== hex) problems.push(`${name} interpreter r0 ${r.r0}`);
        if (r.jit_r0 !== undefined && r.jit_r0 !== hex) problems.push(`${name} JIT r0 ${r.jit_r0}`);
      }
      const both = halves.length === 2;
      const jitNs = both && halves.every((r) => r.jit) ? median(halves.flatMap((r) => r.jit ?? [])) : null;
      if (both && jitNs === null) notes.add(`${name}: no JIT here`);
      return { jit: jitNs, interpreter: both ? median(halves.flatMap((r) => r.interpreter ?? [])) : null };
    });
    const note = notes.size === 0 ? null : [...notes].join('; ');
    const mismatch = problems.length === 0 ? null : `interpreter r0 ${want.toString(16)}; ${[...new Set(problems)].join('; ')}`;
    if (mismatch !== null) log(`!!!!!!!! MISMATCH in ebpf "${p.name}": ${mismatch} !!!!!!!!`);
    return {
      name: p.name,
      floor: false,
      slots: program.insns.length,
      r0: want.toString(16),
      jit32,
      jitBigint,
      interpreter,
      dpdkJit: summary[0]!.jit,
      dpdkInterpreter: summary[0]!.interpreter,
      ubpfJit: summary[1]!.jit,
      ubpfInterpreter: summary[1]!.interpreter,
      note,
      mismatch,
    };
  });
  log('ebpf: the JS call floors');
  const input = new Uint8Array(0);
  const floors = FLOORS.map(({ name, make }): EbpfRow => {
    const run = make();
    const loop = sumLoop();
    const ns = timePass(`ebpf ${name}`, () => loop(run, input, perPass), perPass, timing);
    const none = { jitBigint: null, interpreter: null, dpdkJit: null, dpdkInterpreter: null, ubpfJit: null, ubpfInterpreter: null };
    return { name, floor: true, slots: 0, r0: '1', jit32: ns, ...none, note: null, mismatch: null };
  });
  return [...programs, ...floors];
}

const ns = (v: number | null): string => (v === null ? '—' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const ratio = (a: number | null, b: number | null): string => (a === null || b === null ? '—' : (a / b).toFixed(2));

/** Renders the eBPF section of RESULTS.md. */
export function renderEbpf(rows: readonly EbpfRow[] | string): string[] {
  const out = ['## eBPF (issue 15)', ''];
  if (typeof rows === 'string') return [...out, rows, ''];
  out.push(
    'ns per run of one program on one input (benchmark.js median for ours, median of the repetitions for the peers). ' +
      '`run32` returns r0\'s low half without allocating; `run` builds the BigInt r0; the interpreter row is the int32-pair ' +
      'interpreter\'s `prepare(p).run32`, allocation-free too. Targets: our JIT within 2x of ' +
      'uBPF\'s JIT on ret1 and packet, 4x on alu50, 5x faster than both interpreters. uBPF is not packaged by Debian: ' +
      'it runs when `EA_UBPF` names a checkout to build. DPDK\'s librte_bpf runs from Debian\'s packages.',
    '',
    '| program | slots | r0 | JIT run32 | JIT run | interpreter | uBPF JIT | uBPF interp. | DPDK JIT | DPDK interp. | run32 / uBPF JIT | run32 / DPDK JIT | uBPF interp. / run32 | DPDK interp. / run32 | our interp. / run32 |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of rows) {
    if (r.floor) {
      out.push(`| ${r.name} | — | 0x1 | ${ns(r.jit32)} | — | — | — | — | — | — | — | — | — | — | — |`);
      continue;
    }
    out.push(
      `| ${r.name}${r.mismatch === null ? '' : ' **MISMATCH**'} | ${r.slots} | 0x${r.r0} | ${ns(r.jit32)} | ${ns(r.jitBigint)} | ${ns(r.interpreter)} | ` +
        `${ns(r.ubpfJit)} | ${ns(r.ubpfInterpreter)} | ${ns(r.dpdkJit)} | ${ns(r.dpdkInterpreter)} | ${ratio(r.jit32, r.ubpfJit)} | ${ratio(r.jit32, r.dpdkJit)} | ` +
        `${ratio(r.ubpfInterpreter, r.jit32)} | ${ratio(r.dpdkInterpreter, r.jit32)} | ${ratio(r.interpreter, r.jit32)} |`,
    );
  }
  const ret1 = rows.find((r) => r.name === 'ret1' && !r.floor);
  const floors = rows.filter((r) => r.floor);
  if (floors.length > 0) {
    out.push(
      '',
      'The JS call floor rows are not engines: the same timing loop as `run32` calls a function that takes the input and returns 1, ' +
        'and one that also checks the input is the same Uint8Array as in the last call (what an entry that fails closed on a new ' +
        `input must do at least). ret1's \`run32\` / each floor: ${floors.map((f) => ratio(ret1?.jit32 ?? null, f.jit32)).join(', ')}.`,
    );
  }
  const notes = rows.filter((r) => r.note !== null || r.mismatch !== null);
  if (notes.length > 0) out.push('', ...notes.map((r) => `- ${r.name}: ${[r.note, r.mismatch].filter((x) => x !== null).join('; ')}`));
  return [...out, ''];
}
