/**
 * The EA part of the "try a call" form: one input per field of the struct (numbers; an input
 * pointer also takes a list, `[34]`, for the array it points at), raw hex bytes instead, and
 * usize. Shown for an `ea` filter when the syscall typed is one of the EA syscalls.
 */
import type { EaFieldSpec, EaRequest } from './eacall.js';
import { el } from './views.js';

/** Builds the fieldset for one syscall's struct; `read` collects what was typed. */
export function eaFieldset(syscall: string, specs: readonly EaFieldSpec[]): { element: HTMLElement; read: () => EaRequest } {
  const set = el('fieldset', undefined, { id: 'call-ea' });
  set.append(el('legend', `struct of ${syscall}: field values (decimal or 0x; an input pointer may be a list, [34, 35]), or hex bytes`));
  const grid = el('div', undefined, { class: 'row' });
  const inputs = new Map<string, HTMLInputElement>();
  for (const f of specs) {
    const id = `call-ea-${f.name.replace(/[^A-Za-z0-9_]/g, '-')}`;
    const input = el('input', undefined, { id, size: f.pointer ? '14' : '10', autocomplete: 'off', 'data-field': f.name }) as HTMLInputElement;
    inputs.set(f.name, input);
    grid.append(el('label', `${f.name} (+${f.offset}, ${f.size}${f.pointer ? ', pointer' : ''})`, { for: id }), input);
  }
  const usize = el('input', undefined, { id: 'call-ea-usize', size: '6', autocomplete: 'off', placeholder: 'struct size' }) as HTMLInputElement;
  const hex = el('textarea', undefined, { id: 'call-ea-hex', rows: '2', spellcheck: 'false' }) as HTMLTextAreaElement;
  const tail = el('div', undefined, { class: 'row' });
  tail.append(el('label', 'usize (the size argument; default: the struct bytes given)', { for: 'call-ea-usize' }), usize);
  set.append(grid, tail, el('label', 'or the struct as hex bytes (replaces the fields)', { for: 'call-ea-hex' }), hex);
  return {
    element: set,
    read: () => ({ fields: Object.fromEntries([...inputs].map(([name, input]) => [name, input.value])), hex: hex.value, usize: usize.value }),
  };
}
