/**
 * The forms of the tabs that ask something more of the worker (try a call, diff, EA layout,
 * capture, eBPF run): each builds its DOM with text nodes only, sends its job through the page's
 * worker and renders the answer.
 */
import type { Input, Report, Settings } from './analyze.js';
import type { CallAnswer } from './call.js';
import { eaFieldset } from './callform.js';
import { EA_SYSCALLS } from './choices.js';
import type { EaFieldSpec, EaRequest } from './eacall.js';
import type { Job, Reply } from './protocol.js';
import type { RunAnswer } from './run.js';
import { callResult, diffResult, eaResult, el, pcapResult, runResult } from './views.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What the forms need from the page. */
export interface FormContext {
  readonly run: (job: DistributiveOmit<Job, 'id'>) => Promise<Reply | null>;
  readonly input: () => Input;
  readonly settings: () => Settings;
  readonly eaFields: () => Readonly<Record<string, readonly EaFieldSpec[]>>;
}

/** Adds options to a select. */
export function fill(select: HTMLSelectElement, options: readonly (readonly [string, string])[]): void {
  for (const [value, label] of options) select.append(new Option(label, value));
}

/** Builds the forms; keeps what was typed in the diff and packet boxes across re-renders. */
export class Forms {
  readonly #ctx: FormContext;
  #second = '';
  /** The packets typed on the Run tab (null: the input's own, e.g. a case's `-- mem`). */
  packets: string | null = null;

  constructor(ctx: FormContext) {
    this.#ctx = ctx;
  }

  /** Try a call: syscall, arguments, and for an `ea` filter the EA struct's fieldset. */
  call(r: Report): HTMLElement[] {
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
      const specs = r.profile === 'ea' ? this.#ctx.eaFields()[syscall] : undefined;
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
      const reply = await this.#ctx.run({
        type: 'call', input: this.#ctx.input(), settings: this.#ctx.settings(), asProfile: r.kind === 'profile',
        request: { syscall: name.value, args: args.value === '' ? [] : args.value.split(','), ...(ea !== undefined && { ea }) },
      });
      if (reply?.type === 'call') out.replaceChildren(...callResult(r, reply.answer as CallAnswer));
    });
    return [form, out];
  }

  /** Diff: a second filter compared with the input. */
  diff(): HTMLElement[] {
    const form = el('form', undefined, { id: 'diff-form', 'aria-label': 'Diff' }) as HTMLFormElement;
    const second = el('textarea', undefined, { id: 'diff-input', rows: '8', spellcheck: 'false' }) as HTMLTextAreaElement;
    second.value = this.#second;
    second.addEventListener('input', () => {
      this.#second = second.value;
    });
    const out = el('div', undefined, { id: 'diff-out' });
    form.append(
      el('label', 'Second filter or profile, compared with the input above (seccomp, same architecture)', { for: 'diff-input' }), second,
      el('button', 'Compare', { type: 'submit', id: 'diff-run' }),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reply = await this.#ctx.run({ type: 'diff', input: this.#ctx.input(), second: { text: second.value }, settings: this.#ctx.settings() });
      if (reply?.type === 'diff') out.replaceChildren(...diffResult(reply.answer));
    });
    return [form, out];
  }

  /** EA layout: syscall and strategy, drawn for the input. */
  ea(): HTMLElement[] {
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
      const reply = await this.#ctx.run({ type: 'ea', syscall: syscall.value, strategy: strategy.value as 'jump-table' | 'fixed-window', input: this.#ctx.input(), settings: this.#ctx.settings() });
      if (reply?.type === 'ea') out.replaceChildren(...eaResult(reply.answer));
    });
    return [form, out];
  }

  /** Capture: a pcap counted through a classic packet filter. */
  pcap(): HTMLElement[] {
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
      const reply = await this.#ctx.run({ type: 'pcap', input: this.#ctx.input(), settings: this.#ctx.settings(), capture });
      if (reply?.type === 'pcap') out.replaceChildren(...pcapResult(reply.answer));
    });
    return [form, out];
  }

  /** Run (eBPF): packets as hex lines or a capture, through both engines. */
  run(r: Report): HTMLElement[] {
    if (r.kind !== 'ebpf') return [el('p', 'Run takes an eBPF program or object; the Capture tab runs classic packet filters.')];
    const form = el('form', undefined, { id: 'run-form', 'aria-label': 'Run (eBPF)' }) as HTMLFormElement;
    const packets = el('textarea', undefined, { id: 'run-packets', rows: '6', spellcheck: 'false' }) as HTMLTextAreaElement;
    packets.value = this.packets ?? r.ebpf?.packets ?? '';
    packets.addEventListener('input', () => {
      this.packets = packets.value;
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
      const reply = await this.#ctx.run({ type: 'run', input: this.#ctx.input(), settings: this.#ctx.settings(), packets: packets.value, capture });
      if (reply?.type === 'run') out.replaceChildren(...runResult(reply.answer as RunAnswer));
    });
    return [form, out];
  }
}
