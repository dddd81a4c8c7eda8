/**
 * The views, each rendered from a Report (or a CallAnswer) with DOM calls and text nodes only:
 * input text never reaches innerHTML.
 */
import type { Report } from './analyze.js';
import type { CallAnswer } from './call.js';
import type { DiffAnswer } from './diff.js';
import type { EaAnswer } from './ea.js';
import type { PcapAnswer } from './pcap.js';
import type { Outcome, RunAnswer } from './run.js';
import { countOf } from '@ea/bpf';
import { tokenize } from './highlight.js';

/** Creates an element with text content and attributes. */
export function el(tag: string, text?: string, attrs: Record<string, string> = {}): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function table(head: readonly string[], caption: string): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const t = el('table') as HTMLTableElement;
  t.append(el('caption', caption));
  const thead = el('thead');
  const tr = el('tr');
  for (const h of head) tr.append(el('th', h, { scope: 'col' }));
  thead.append(tr);
  const body = el('tbody') as HTMLTableSectionElement;
  t.append(thead, body);
  return { table: t, body };
}

/** The listing with one row per instruction; `bad` is highlighted, `ran` marks executed ones. */
export function listing(report: Report, bad: number | null, ran: ReadonlySet<number> = new Set()): HTMLElement {
  const relocated = report.listing.some((r) => r.relocation !== null);
  const { table: t, body } = table(relocated ? ['pc', 'instruction', 'relocation'] : ['pc', 'instruction'], countOf(report.listing.length, 'instruction'));
  for (const { pc, text, relocation } of report.listing) {
    const tr = el('tr', undefined, pc === bad ? { class: 'bad', 'aria-current': 'true' } : ran.has(pc) ? { class: 'ran' } : {});
    tr.append(el('td', String(pc), { class: 'num' }), el('td', text, { class: 'code' }));
    if (relocated) tr.append(el('td', relocation ?? '', { class: 'code' }));
    body.append(tr);
  }
  const box = el('div', undefined, { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Listing' });
  box.append(t);
  return box;
}

/** The verifier's verdict, with the failing instruction highlighted in the listing. */
export function verifierView(report: Report): HTMLElement[] {
  const v = report.verify;
  if (v === null) return [el('p', 'Nothing verified.')];
  const who = report.kind === 'ebpf' ? "eBPF load-time checks (@ea/ebpf's load)" : `${report.profile} verifier`;
  if (v.ok) return [...objectInfo(report), el('p', `Accepted by the ${who}.`, { class: 'ok', id: 'verdict' }), listing(report, null)];
  const text = v.errno === null
    ? `Refused by the ${who}: ${v.reason}${v.pc === null ? '' : ` at pc ${v.pc}`}: ${v.why}`
    : `Refused: ${v.reason} (${v.errno})${v.pc === null ? '' : ` at pc ${v.pc}`}: ${v.why}${v.detail === null ? '' : ` [${v.detail}]`}`;
  const head = el('p', text, { id: 'verdict' });
  return [...objectInfo(report), head, listing(report, v.pc), el('pre', v.diagnostic, { id: 'diagnostic' })];
}

/** An eBPF object's programs, maps and global data, above its listing. */
function objectInfo(report: Report): HTMLElement[] {
  const x = report.ebpf;
  if (x === null || x.source !== 'object') return [];
  const { table: t, body } = table(['map', 'type', 'key size', 'value size', 'max entries'], `${countOf(x.maps.length, 'map')}, ${countOf(x.globals.length, 'global data section')}`);
  t.id = 'object-maps';
  for (const m of x.maps) {
    const tr = el('tr');
    tr.append(el('td', m.name), el('td', m.type), el('td', String(m.keySize), { class: 'num' }), el('td', String(m.valueSize), { class: 'num' }), el('td', String(m.maxEntries), { class: 'num' }));
    body.append(tr);
  }
  for (const g of x.globals) {
    const tr = el('tr');
    tr.append(el('td', g.section), el('td', 'global data'), el('td', ''), el('td', String(g.size), { class: 'num' }), el('td', '1', { class: 'num' }));
    body.append(tr);
  }
  const programs = x.programs.map((p) => `${p.section} (${p.name}, ${p.context})`).join(', ');
  return [el('p', `Program ${x.section ?? ''} of ${countOf(x.programs.length, 'program')}: ${programs}; license ${JSON.stringify(x.license)}.`, { id: 'object-info' }), t];
}

/** The bpf_asm disassembly. */
export function disassemblyView(report: Report): HTMLElement[] {
  return [el('pre', report.disassembly, { id: 'disassembly', tabindex: '0' })];
}

/** Writes a decision list as one cell, as the CLI's lines: `args[0] == 8 → ALLOW; otherwise ERRNO(1)`. */
function decisionText(cases: readonly { readonly when: string; readonly action: string }[]): string {
  if (cases.length === 1 && cases[0]!.when === 'always') return cases[0]!.action;
  return cases.map((c) => (c.when === 'always' ? `otherwise ${c.action}` : `${c.when} → ${c.action}`)).join('; ');
}

/**
 * Explain, grouped by action per arch as `ea-bpf explain` prints it (named syscalls with one
 * action, largest group first; the conditional ones with their decision lists; unnamed numbers),
 * then every row, one per syscall, in a closed details element.
 */
export function explainView(report: Report): HTMLElement[] {
  if (report.kind === 'ebpf') return [el('p', 'Explain reads classic seccomp filters; this input is eBPF (see Run).')];
  const x = report.explain;
  if (x === null) return [el('p', report.profile === 'seccomp' ? 'Nothing to explain: the filter was not accepted.' : `Explain reads seccomp filters; this one is verified as ${report.profile}.`)];
  if ('error' in x) return [el('p', `${x.error.name}: ${x.error.message}`)];
  const out: HTMLElement[] = [];
  for (const g of x.groups) {
    out.push(el('h2', `${g.arch}: ${countOf(g.named, 'named syscall')}: ${g.allowed} allowed, ${g.denied} denied, ${g.conditional.length} conditional`, { class: 'explain-arch' }));
    const { table: t, body } = table(['action', 'syscalls', 'names'], `${g.arch}: syscalls by action`);
    t.classList.add('explain-actions');
    for (const a of g.actions) {
      const tr = el('tr');
      tr.append(el('td', a.action), el('td', String(a.names.length), { class: 'num' }), el('td', a.names.join(' '), { class: 'code' }));
      body.append(tr);
    }
    out.push(t);
    if (g.conditional.length > 0) {
      const { table: c, body: cb } = table(['syscall', 'nr', 'decision'], `${g.arch}: conditional syscalls`);
      c.classList.add('explain-conditional');
      for (const l of g.conditional) {
        const tr = el('tr');
        tr.append(el('td', l.name), el('td', String(l.nr), { class: 'num' }), el('td', decisionText(l.cases), { class: 'code' }));
        cb.append(tr);
      }
      out.push(c);
    }
    if (g.unnamed.length > 0) {
      const text = g.unnamed.map((u) => `${u.nr}${u.to === null ? '' : `–${u.to}`}: ${u.decision}`);
      const shown = text.length > 8 ? [...text.slice(0, 8), `… ${text.length - 8} more runs`] : text;
      out.push(el('p', `Numbers without a name: ${shown.join(', ')}`, { class: 'explain-unnamed' }));
    }
  }
  const { table: t, body } = table(['arch', 'nr', 'syscall', 'decision'], countOf(x.rows.length, 'row'));
  t.id = 'explain';
  for (const r of x.rows) {
    const tr = el('tr');
    tr.append(el('td', r.arch), el('td', r.to === null ? String(r.nr) : `${r.nr}–${r.to}`, { class: 'num' }), el('td', r.name ?? ''), el('td', decisionText(r.cases), { class: 'code' }));
    body.append(tr);
  }
  const details = el('details');
  details.append(el('summary', 'Every syscall number, one row each'));
  const box = el('div', undefined, { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Explain table' });
  box.append(t);
  details.append(box);
  const groups = el('div', undefined, { id: 'explain-groups' });
  groups.append(...out);
  return [groups, details];
}

/** The generated JavaScript, highlighted with one text node per token. */
export function javascriptView(report: Report): HTMLElement[] {
  const j = report.jit;
  if (j === null) return [el('p', 'No code: the filter was not accepted.')];
  const pre = el('pre', undefined, { id: 'javascript', tabindex: '0' });
  const code = el('code');
  for (const tok of tokenize(j.source)) {
    if (tok.kind === 'plain') code.append(document.createTextNode(tok.text));
    else code.append(el('span', tok.text, { class: `tok-${tok.kind}` }));
  }
  pre.append(code);
  const note = j.accelerated ? 'This code runs in this page (the JIT).' : `The JIT is off here (${j.reason ?? 'not accelerated'}): the interpreter runs the filter; the code below is what would run.`;
  return [el('p', note), pre];
}

/** Both engines' answer to one call, and the executed instructions. */
export function callResult(report: Report, answer: CallAnswer): HTMLElement[] {
  if (!answer.ok) return [el('p', `${answer.error.name}${answer.error.code === null ? '' : ` ${answer.error.code}`}: ${answer.error.message}`, { id: 'call-error', role: 'alert' })];
  const { table: t, body } = table(['engine', 'return value', 'action'], `syscall number ${answer.nr}`);
  t.id = 'call-answer';
  const rows: [string, number, string][] = [
    ['interpreter', answer.interpreter.ret, answer.interpreter.action],
    [answer.jit.accelerated ? 'JIT' : 'JIT (fell back to the interpreter)', answer.jit.ret, answer.jit.action],
  ];
  for (const [name, ret, action] of rows) {
    const tr = el('tr');
    tr.append(el('td', name), el('td', `0x${(ret >>> 0).toString(16).padStart(8, '0')}`, { class: 'num' }), el('td', action));
    body.append(tr);
  }
  const image = answer.image === null ? [] : [el('h2', 'What the filter read (the flattened image)'), el('pre', answer.image.join('\n'), { id: 'call-image', tabindex: '0' })];
  return [t, ...image, el('p', `Executed: pc ${answer.trace.join(', ')}`, { id: 'trace' }), listing(report, null, new Set(answer.trace))];
}

/** The differences between two filters, one row per input both engines disagree on. */
export function diffResult(answer: DiffAnswer): HTMLElement[] {
  if (!answer.ok) {
    const e = answer.error;
    return [el('p', `${answer.side} filter: ${e.name}${e.code === null ? '' : ` ${e.code}`}: ${e.message}`, { id: 'diff-error', role: 'alert' })];
  }
  if (answer.equivalent) return [el('p', 'The two filters are equivalent: the same action for every input.', { id: 'diff-verdict', class: 'ok' })];
  const shown = answer.rows.length < answer.total ? ` (first ${answer.rows.length} shown)` : '';
  const head = el('p', `${countOf(answer.total, 'difference')}${shown}${answer.undecided > 0 ? `; ${answer.undecided} ranges undecided` : ''}.`, { id: 'diff-verdict' });
  const { table: t, body } = table(['arch', 'nr', 'syscall', 'arguments', 'first', 'second'], 'Inputs on which the filters differ');
  t.id = 'diff-table';
  for (const r of answer.rows) {
    const tr = el('tr');
    tr.append(el('td', r.arch), el('td', r.nr, { class: 'num' }), el('td', r.name), el('td', r.args, { class: 'code' }), el('td', r.a), el('td', r.b));
    body.append(tr);
  }
  const box = el('div', undefined, { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Differences' });
  box.append(t);
  return [head, box];
}

/** The EA struct, its flattened image and the fail-safe matrix; the pasted filter's verdicts on the matrix's calls. */
export function eaResult(answer: EaAnswer): HTMLElement[] {
  if (!answer.ok) return [el('p', `${answer.error.name}${answer.error.code === null ? '' : ` ${answer.error.code}`}: ${answer.error.message}`, { id: 'ea-error', role: 'alert' })];
  const out = [
    el('p', `Drawn for ${answer.source}.`, { id: 'ea-source' }),
    el('h2', `Struct and flattened image (${answer.syscall})`),
    el('pre', answer.layout, { id: 'ea-layout', tabindex: '0' }),
    el('h2', `Compatibility matrix: ${answer.allFailSafe ? 'every cell fails safe' : 'some cell does not fail safe'}`),
    el('pre', answer.matrix, { id: 'ea-matrix', tabindex: '0' }),
  ];
  if (answer.own !== null) {
    const { table: t, body } = table(['kernel', 'program', 'your filter (interpreter)', 'your filter (JIT)', "matrix's new filter"], "The pasted filter on each of the matrix's calls");
    t.id = 'ea-own';
    for (const r of answer.own) {
      const tr = el('tr');
      tr.append(el('td', r.kernel), el('td', r.program), el('td', r.interpreter), el('td', r.jit), el('td', r.matrix));
      body.append(tr);
    }
    out.push(el('h2', 'Your filter on the same calls'), t);
  }
  return out;
}

function outcomeText(o: Outcome): string {
  return o.error !== null ? `error ${o.error}` : `${o.r0}${o.action === null ? '' : ` ${o.action}`}`;
}

/** r0 of each packet by both engines, then each map as each engine left it. */
export function runResult(answer: RunAnswer): HTMLElement[] {
  if (!answer.ok) return [el('p', `${answer.error.name}${answer.error.code === null ? '' : ` ${answer.error.code}`}: ${answer.error.message}`, { id: 'run-error', role: 'alert' })];
  const jitName = answer.accelerated ? 'JIT' : 'JIT (fell back to the interpreter)';
  const shown = answer.rows.length < answer.total ? `; first ${answer.rows.length} shown` : '';
  const head = el('p', `${countOf(answer.total, 'packet')} from ${answer.source}: the engines agree on ${answer.agreed}${shown}.`, { id: 'run-verdict', class: answer.agreed === answer.total ? 'ok' : '' });
  const { table: t, body } = table(['packet', 'bytes', 'interpreter r0', `${jitName} r0`], 'r0 per packet');
  t.id = 'run-table';
  for (const r of answer.rows) {
    const tr = el('tr');
    tr.append(el('td', String(r.index), { class: 'num' }), el('td', String(r.length), { class: 'num' }), el('td', outcomeText(r.interpreter), { class: 'code' }), el('td', outcomeText(r.jit), { class: 'code' }));
    body.append(tr);
  }
  const box = el('div', undefined, { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'r0 per packet' });
  box.append(t);
  const out: HTMLElement[] = [head, box];
  for (const m of answer.maps) {
    const { table: mt, body: mb } = table(['key', 'value (interpreter)', 'value (JIT)'], `${m.name} (${m.type}) after the run: ${m.interpreter.length} ${m.interpreter.length === 1 ? 'entry' : 'entries'}`);
    mt.classList.add('run-map');
    const jit = new Map(m.jit);
    const keys = [...new Set([...m.interpreter.map(([k]) => k), ...m.jit.map(([k]) => k)])];
    const mine = new Map(m.interpreter);
    for (const k of keys) {
      const tr = el('tr');
      tr.append(el('td', k, { class: 'code' }), el('td', mine.get(k) ?? '(absent)', { class: 'code' }), el('td', jit.get(k) ?? '(absent)', { class: 'code' }));
      mb.append(tr);
    }
    const mbox = el('div', undefined, { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': `Map ${m.name}` });
    mbox.append(mt);
    out.push(mbox);
  }
  if (answer.printed.length > 0) out.push(el('h2', 'bpf_trace_printk (interpreter)'), el('pre', answer.printed.join('\n'), { id: 'run-printed', tabindex: '0' }));
  return out;
}

/** How many packets of a capture each engine accepted. */
export function pcapResult(answer: PcapAnswer): HTMLElement[] {
  if (!answer.ok) return [el('p', `${answer.error.name}${answer.error.code === null ? '' : ` ${answer.error.code}`}: ${answer.error.message}`, { id: 'pcap-error', role: 'alert' })];
  const { table: t, body } = table(['engine', 'accepted', 'of'], answer.source);
  t.id = 'pcap-answer';
  for (const [name, n] of [['interpreter', answer.interpreter], [answer.accelerated ? 'JIT' : 'JIT (fell back to the interpreter)', answer.jit]] as const) {
    const tr = el('tr');
    tr.append(el('td', name), el('td', String(n), { class: 'num' }), el('td', String(answer.total), { class: 'num' }));
    body.append(tr);
  }
  return [t, el('p', answer.first.length === 0 ? 'No packet accepted.' : `First accepted packets (0-based): ${answer.first.join(', ')}`, { id: 'pcap-first' })];
}
