/**
 * The page: wires the controls, runs every analysis in a Web Worker (cancel = terminate it and
 * start another), renders the views, and keeps the session in the URL fragment.
 */
import type { Input, Report, Settings } from './analyze.js';
import { FORMAT_CHOICES, type FormatChoice, PROFILE_CHOICES, TABS } from './choices.js';
import { countOf } from '@ea/bpf';
import type { Example } from './examples.js';
import type { EaFieldSpec } from './eacall.js';
import { fill, Forms } from './forms.js';
import type { Job, Reply } from './protocol.js';
import { decodeState, encodeState } from './state.js';
import { disassemblyView, el, explainView, javascriptView, verifierView } from './views.js';

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

const forms = new Forms({ run, input: currentInput, settings, eaFields: () => EA_FIELDS });

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
      panel.append(...forms.call(r));
      break;
    case 'diff':
      panel.append(...forms.diff());
      break;
    case 'ea':
      panel.append(...forms.ea());
      break;
    case 'pcap':
      panel.append(...forms.pcap());
      break;
    case 'run':
      panel.append(...forms.run(r));
      break;
  }
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
  forms.packets = null;
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
  forms.packets = null;
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
