/**
 * The page: wires the controls, runs every analysis in a Web Worker (cancel = terminate it and
 * start another), renders the views, and keeps the session in the URL fragment.
 */
import type { Input, Report, Settings } from './analyze.js';
import type { CallAnswer } from './call.js';
import type { RunAnswer } from './run.js';
import { EA_SYSCALLS, FORMAT_CHOICES, type FormatChoice, PROFILE_CHOICES, TABS } from './choices.js';
import { countOf } from '@ea/bpf';
import type { Example } from './examples.js';
import { eaFieldset } from './callform.js';
import type { EaFieldSpec, EaRequest } from './eacall.js';
import type { Job, Reply } from './protocol.js';
import { decodeState, encodeState } from './state.js';
import { callResult, diffResult, disassemblyView, eaResult, el, explainView, javascriptView, pcapResult, runResult, verifierView } from './views.js';

const STAGES = ['reading', 'verifying', 'explaining', 'compiling', 'done'];

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const input = $<HTMLTextAreaElement>('input');
const exampleSel = $<HTMLSelectElement>('example');
const formatSel = $<HTMLSelectElement>('format');
const profileSel = $<HTMLSelectElement>('profile');
const archSel = $<HTMLSelectElement>('arch');
const sectionSel = $<HTMLSelectElement>('section');
const status = $('status');
const progress = $<HTMLProgressElement>('progress');
const cancel = $<HTMLButtonElement>('cancel');
const errorBox = $('error');

let bytes: Uint8Array | null = null;
let worker = new Worker('worker.js');
let nextId = 1;
let pending: { id: number; resolve: (r: Reply | null) => void } | null = null;
let report: Report | null = null;
let tab = 'verifier';
let EXAMPLES: readonly Example[] = [];
let EA_FIELDS: Readonly<Record<string, readonly EaFieldSpec[]>> = {};

function fill(select: HTMLSelectElement, options: readonly (readonly [string, string])[]): void {
  for (const [value, label] of options) select.append(new Option(label, value));
}

const FORMAT_LABELS: Partial<Record<FormatChoice, string>> = { auto: 'auto-detect', profile: 'profile JSON', ebpf: 'eBPF (assembly, .data case, hex, objdump)', elf: 'eBPF ELF object' };
fill(formatSel, FORMAT_CHOICES.map((f) => [f, FORMAT_LABELS[f] ?? f] as const));
fill(profileSel, PROFILE_CHOICES.map((p) => [p, p] as const));

function listen(w: Worker): void {
  w.addEventListener('message', (event: MessageEvent<Reply>) => {
    const reply = event.data;
    if (reply.type === 'engine') {
      if (EXAMPLES.length === 0) {
        EA_FIELDS = reply.eaFields;
        start(reply.examples, reply.arches);
      }
      $('engine').textContent = reply.accelerated
        ? 'Engine: the JIT (generated JavaScript) and the interpreter.'
        : `Engine: interpreter only. ${reply.reason ?? ''}`.trim();
      return;
    }
    if (pending === null || reply.id !== pending.id) return;
    if (reply.type === 'progress') {
      progress.value = Math.max(0, STAGES.indexOf(reply.stage));
      status.textContent = reply.stage === 'done' ? '' : `${reply.stage}…`;
      return;
    }
    const p = pending;
    pending = null;
    cancel.disabled = true;
    document.body.dataset['state'] = 'ready';
    p.resolve(reply);
  });
  // A crash inside the worker (a bug, or memory exhausted) is shown, and a fresh worker replaces it.
  w.addEventListener('error', (event) => {
    event.preventDefault();
    errorBox.textContent = `The worker failed: ${event.message}`;
    stop('failed');
  });
}
listen(worker);

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function run(job: DistributiveOmit<Job, 'id'>): Promise<Reply | null> {
  if (pending !== null) stop('superseded');
  const id = nextId++;
  cancel.disabled = false;
  progress.value = 0;
  document.body.dataset['state'] = 'busy';
  return new Promise((resolve) => {
    pending = { id, resolve };
    worker.postMessage({ ...job, id } as Job);
  });
}

/** Cancels the running job: the worker is terminated (its work cannot be interrupted) and replaced. */
function stop(why: string): void {
  worker.terminate();
  worker = new Worker('worker.js');
  listen(worker);
  const p = pending;
  pending = null;
  cancel.disabled = true;
  status.textContent = why;
  document.body.dataset['state'] = 'ready';
  p?.resolve(null);
}

function currentInput(): Input {
  return bytes !== null ? { bytes } : { text: input.value };
}

function settings(): Settings {
  return { format: formatSel.value as FormatChoice, profile: profileSel.value as Settings['profile'], arch: archSel.value, section: sectionSel.value };
}

function saveState(): void {
  const fragment = encodeState({ text: input.value, bytes, format: formatSel.value, profile: profileSel.value, arch: archSel.value, section: sectionSel.value, tab });
  history.replaceState(null, '', `#${fragment}`);
}

async function analyze(): Promise<void> {
  saveState();
  const reply = await run({ type: 'analyze', input: currentInput(), settings: settings() });
  if (reply === null || reply.type !== 'report') return;
  report = reply.report;
  render();
}

function render(): void {
  const r = report;
  errorBox.textContent = r?.error ? `${r.error.name}${r.error.code === null ? '' : ` ${r.error.code}`}: ${r.error.message}` : '';
  $('summary').textContent = r === null || r.error !== null ? '' : summary(r);
  sections(r);
  for (const [id] of TABS) showPanel(id);
}

/** Offers an object's programs in the Program select (hidden for anything else). */
function sections(r: Report | null): void {
  const programs = r?.ebpf?.programs ?? [];
  $('section-row').hidden = programs.length === 0;
  if (programs.length === 0) return;
  const keep = r?.ebpf?.section ?? '';
  sectionSel.replaceChildren();
  fill(sectionSel, programs.map((p) => [p.section, `${p.section} (${p.name})`] as const));
  sectionSel.value = keep;
}

function summary(r: Report): string {
  if (r.kind === 'ebpf') {
    const x = r.ebpf!;
    const what = x.source === 'object' ? `ELF object: ${countOf(x.programs.length, 'program')}, ${countOf(x.maps.length, 'map')}; program ${x.section}` : `read as ${r.format}`;
    return `${what}: ${countOf(r.listing.length, 'instruction')} · eBPF`;
  }
  const parts = [`${r.kind === 'profile' ? 'profile compiled to' : `read as ${r.format}:`} ${countOf(r.insns.length, 'instruction')}`, `verifier profile ${r.profile}`];
  if (r.note !== null) parts.push(r.note);
  if (r.warnings.length > 0) parts.push(`warnings: ${r.warnings.join('; ')}`);
  return parts.join(' · ');
}

function showPanel(id: string): void {
  const panel = $(`panel-${id}`);
  panel.replaceChildren();
  const r = report;
  if (r === null || r.error !== null) {
    panel.append(el('p', r === null ? 'No input analyzed yet.' : 'The input could not be read (see the error above).'));
    return;
  }
  if (r.kind === 'ebpf' && (id === 'call' || id === 'diff' || id === 'pcap')) {
    panel.append(el('p', `${id === 'pcap' ? 'Capture counts packets through a classic filter' : id === 'diff' ? 'Diff compares classic seccomp filters' : 'Try a call runs seccomp filters'}; this input is eBPF: packets run on the Run (eBPF) tab.`));
    return;
  }
  switch (id) {
    case 'verifier':
      panel.append(...verifierView(r));
      break;
    case 'disassembly':
      panel.append(...disassemblyView(r));
      break;
    case 'explain':
      panel.append(...explainView(r));
      break;
    case 'javascript':
      panel.append(...javascriptView(r));
      break;
    case 'call':
      panel.append(...callForm(r));
      break;
    case 'diff':
      panel.append(...diffForm());
      break;
    case 'ea':
      panel.append(...eaForm());
      break;
    case 'pcap':
      panel.append(...pcapForm());
      break;
    case 'run':
      panel.append(...runForm(r));
      break;
  }
}

function callForm(r: Report): HTMLElement[] {
  const form = el('form', undefined, { id: 'call-form', 'aria-label': 'Try a call' }) as HTMLFormElement;
  const name = el('input', undefined, { id: 'call-syscall', value: r.profile === 'ea' ? 'clone3' : 'openat', autocomplete: 'off' }) as HTMLInputElement;
  const args = el('input', undefined, { id: 'call-args', value: '', size: '40', autocomplete: 'off' }) as HTMLInputElement;
  const out = el('div', undefined, { id: 'call-out' });
  const row = el('div', undefined, { class: 'row' });
  row.append(
    el('label', 'Syscall (name or number)', { for: 'call-syscall' }), name,
    el('label', 'Arguments (comma-separated, up to 6)', { for: 'call-args' }), args,
  );
  // An `ea` filter reads the struct of an EA syscall: its fields get a fieldset of their own.
  const slot = el('div');
  let struct: { syscall: string; read: () => EaRequest } | null = null;
  const update = (): void => {
    const syscall = name.value.trim();
    if (struct?.syscall === syscall) return;
    const specs = r.profile === 'ea' ? EA_FIELDS[syscall] : undefined;
    if (specs === undefined) {
      struct = null;
      slot.replaceChildren();
      return;
    }
    const set = eaFieldset(syscall, specs);
    struct = { syscall, read: set.read };
    slot.replaceChildren(set.element);
  };
  name.addEventListener('input', update);
  update();
  form.append(row, slot, el('button', 'Run both engines', { type: 'submit', id: 'call-run' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ea = struct?.read();
    const reply = await run({
      type: 'call', input: currentInput(), settings: settings(), asProfile: r.kind === 'profile',
      request: { syscall: name.value, args: args.value === '' ? [] : args.value.split(','), ...(ea !== undefined && { ea }) },
    });
    if (reply?.type === 'call') out.replaceChildren(...callResult(r, reply.answer as CallAnswer));
  });
  return [form, out];
}

let secondText = '';

function diffForm(): HTMLElement[] {
  const form = el('form', undefined, { id: 'diff-form', 'aria-label': 'Diff' }) as HTMLFormElement;
  const second = el('textarea', undefined, { id: 'diff-input', rows: '8', spellcheck: 'false' }) as HTMLTextAreaElement;
  second.value = secondText;
  second.addEventListener('input', () => {
    secondText = second.value;
  });
  const out = el('div', undefined, { id: 'diff-out' });
  form.append(
    el('label', 'Second filter or profile, compared with the input above (seccomp, same architecture)', { for: 'diff-input' }), second,
    el('button', 'Compare', { type: 'submit', id: 'diff-run' }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const reply = await run({ type: 'diff', input: currentInput(), second: { text: second.value }, settings: settings() });
    if (reply?.type === 'diff') out.replaceChildren(...diffResult(reply.answer));
  });
  return [form, out];
}

function eaForm(): HTMLElement[] {
  const form = el('form', undefined, { id: 'ea-form', 'aria-label': 'EA layout', class: 'row' }) as HTMLFormElement;
  const syscall = el('select', undefined, { id: 'ea-syscall' }) as HTMLSelectElement;
  fill(syscall, EA_SYSCALLS.map((s) => [s, s] as const));
  const strategy = el('select', undefined, { id: 'ea-strategy' }) as HTMLSelectElement;
  fill(strategy, [['jump-table', 'jump table'], ['fixed-window', 'fixed window']]);
  const out = el('div', undefined, { id: 'ea-out' });
  form.append(
    el('label', 'EA syscall', { for: 'ea-syscall' }), syscall,
    el('label', 'Flattening', { for: 'ea-strategy' }), strategy,
    el('button', 'Show layout and matrix', { type: 'submit', id: 'ea-run' }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const reply = await run({ type: 'ea', syscall: syscall.value, strategy: strategy.value as 'jump-table' | 'fixed-window', input: currentInput(), settings: settings() });
    if (reply?.type === 'ea') out.replaceChildren(...eaResult(reply.answer));
  });
  return [form, out];
}

function pcapForm(): HTMLElement[] {
  const form = el('form', undefined, { id: 'pcap-form', 'aria-label': 'Capture', class: 'row' }) as HTMLFormElement;
  const file = el('input', undefined, { id: 'pcap-file', type: 'file' }) as HTMLInputElement;
  const out = el('div', undefined, { id: 'pcap-out' });
  form.append(
    el('label', 'Capture (pcap or pcapng; none: a generated one)', { for: 'pcap-file' }), file,
    el('button', 'Count accepted packets', { type: 'submit', id: 'pcap-run' }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = file.files?.[0];
    const capture = f === undefined ? null : new Uint8Array(await f.arrayBuffer());
    const reply = await run({ type: 'pcap', input: currentInput(), settings: settings(), capture });
    if (reply?.type === 'pcap') out.replaceChildren(...pcapResult(reply.answer));
  });
  return [form, out];
}

let packetsText: string | null = null;

function runForm(r: Report): HTMLElement[] {
  if (r.kind !== 'ebpf') return [el('p', 'Run takes an eBPF program or object; the Capture tab runs classic packet filters.')];
  const form = el('form', undefined, { id: 'run-form', 'aria-label': 'Run (eBPF)' }) as HTMLFormElement;
  const packets = el('textarea', undefined, { id: 'run-packets', rows: '6', spellcheck: 'false' }) as HTMLTextAreaElement;
  packets.value = packetsText ?? r.ebpf?.packets ?? '';
  packets.addEventListener('input', () => {
    packetsText = packets.value;
  });
  const file = el('input', undefined, { id: 'run-pcap', type: 'file' }) as HTMLInputElement;
  const out = el('div', undefined, { id: 'run-out' });
  const row = el('div', undefined, { class: 'row' });
  row.append(el('label', 'or a capture (pcap or pcapng), which replaces them', { for: 'run-pcap' }), file, el('button', 'Run both engines', { type: 'submit', id: 'run-run' }));
  form.append(el('label', 'Packets: one per line, hex bytes (- for an empty one, # comments)', { for: 'run-packets' }), packets, row);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = file.files?.[0];
    const capture = f === undefined ? null : new Uint8Array(await f.arrayBuffer());
    const reply = await run({ type: 'run', input: currentInput(), settings: settings(), packets: packets.value, capture });
    if (reply?.type === 'run') out.replaceChildren(...runResult(reply.answer as RunAnswer));
  });
  return [form, out];
}

function buildTabs(): void {
  const list = $('tabs');
  for (const [id, label] of TABS) {
    const button = el('button', label, { role: 'tab', id: `tab-${id}`, 'aria-controls': `panel-${id}`, type: 'button' });
    button.addEventListener('click', () => select(id));
    button.addEventListener('keydown', (event) => {
      const i = TABS.findIndex(([t]) => t === id);
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0) return;
      const next = TABS[(i + step + TABS.length) % TABS.length]![0];
      select(next);
      $(`tab-${next}`).focus();
    });
    list.append(button);
    $('panels').append(el('div', undefined, { role: 'tabpanel', id: `panel-${id}`, 'aria-labelledby': `tab-${id}`, tabindex: '0' }));
  }
}

function select(id: string): void {
  tab = TABS.some(([t]) => t === id) ? id : 'verifier';
  for (const [t] of TABS) {
    const on = t === tab;
    $(`tab-${t}`).setAttribute('aria-selected', String(on));
    $(`tab-${t}`).tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  if (report !== null) saveState();
}

function loadExample(id: string): void {
  const e = EXAMPLES.find((x) => x.id === id);
  if (e === undefined) return;
  bytes = null;
  packetsText = null;
  input.value = e.text;
  formatSel.value = 'auto';
  sectionSel.value = '';
  profileSel.value = e.profile;
  void analyze();
}

async function loadFile(file: File): Promise<void> {
  const data = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  // Text stays editable; anything else (a raw sock_filter) is kept as bytes.
  if (/^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text) && !text.includes('\ufffd')) {
    bytes = null;
    input.value = text;
  } else {
    bytes = data;
    input.value = '';
    input.placeholder = `${file.name}: ${data.length} bytes of binary input (type here to replace it)`;
  }
  exampleSel.value = '';
  packetsText = null;
  sectionSel.replaceChildren();
  await analyze();
}

buildTabs();
$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  void analyze();
});
cancel.addEventListener('click', () => stop('cancelled'));
exampleSel.addEventListener('change', () => loadExample(exampleSel.value));
sectionSel.addEventListener('change', () => void analyze());
input.addEventListener('input', () => {
  bytes = null;
  exampleSel.value = '';
});
$<HTMLInputElement>('file').addEventListener('change', (event) => {
  const f = (event.target as HTMLInputElement).files?.[0];
  if (f !== undefined) void loadFile(f);
});
input.addEventListener('dragover', (event) => {
  event.preventDefault();
  input.classList.add('drop');
});
input.addEventListener('dragleave', () => input.classList.remove('drop'));
input.addEventListener('drop', (event) => {
  event.preventDefault();
  input.classList.remove('drop');
  const f = event.dataTransfer?.files[0];
  if (f !== undefined) void loadFile(f);
});

/** Fills the selects from the first worker's hello, then opens the linked session or the first example. */
function start(list: readonly Example[], arches: readonly string[]): void {
  EXAMPLES = list;
  fill(exampleSel, [['', '(your input)'], ...EXAMPLES.map((e) => [e.id, e.title] as const)]);
  fill(archSel, arches.map((a) => [a, a] as const));
  const saved = decodeState(location.hash);
  if (saved !== null) {
    bytes = saved.bytes;
    input.value = saved.text;
    if (saved.section !== '') fill(sectionSel, [[saved.section, saved.section]]);
    for (const [sel, v] of [[formatSel, saved.format], [profileSel, saved.profile], [archSel, saved.arch]] as const) {
      if (Array.from(sel.options).some((o) => o.value === v)) sel.value = v;
    }
    select(saved.tab);
    void analyze();
  } else {
    select('verifier');
    exampleSel.value = EXAMPLES[0]!.id;
    loadExample(EXAMPLES[0]!.id);
  }
}
