/**
 * Draws a flattened image: a text table (offset, size, what) with the jump-table slots
 * resolved, and an SVG picture of the same regions with arrows from slots to pointees.
 */
import { mapImage, type ImageMap, type ImageRegion } from './imagemap.js';
import type { Flattener } from './flatten.js';
import type { PointerNode } from './plan.js';

interface Slot {
  readonly at: number;
  readonly path: string;
  readonly data: number;
  readonly table: number;
}

/** Returns every non-zero jump-table slot of the last image (empty for windows). */
export function tableSlots(f: Flattener): Slot[] {
  const out: Slot[] = [];
  const walk = (nodes: readonly PointerNode[], tableAt: number): void => {
    for (const n of nodes) {
      const data = f.view.getUint32(tableAt + n.offset, true);
      if (data === 0) continue;
      const table = f.view.getUint32(tableAt + n.offset + 4, true);
      out.push({ at: tableAt + n.offset, path: n.path, data, table });
      if (table !== 0) walk(n.children, table);
    }
  };
  if (f.strategy === 'jump-table' && f.rootTableSize > 0) walk(f.pointers, 80);
  return out;
}

/** Returns the text map of the flattener's last image. */
export function renderImageText(f: Flattener): string {
  const map = mapImage(f);
  const slots = tableSlots(f);
  const lines = [
    `image (${f.strategy === 'jump-table' ? 'jump tables' : 'fixed windows'}): ${f.length} bytes, usize ${map.usize}, esize ${map.esize}, root ${map.root}, flags ${map.flags.join('|') || '0'}`,
    `  offset   size  kind           contents`,
  ];
  for (const r of map.regions) {
    let what = r.label;
    if (r.kind === 'object' && r.filled < r.size) what += ` (${r.filled} bytes copied, ${r.size - r.filled} zero)`;
    if (r.kind === 'window_header') {
      what += `: length ${f.view.getUint32(r.offset, true)}, status ${f.view.getUint32(r.offset + 4, true)}`;
    }
    lines.push(`  ${String(r.offset).padStart(6)} ${String(r.size).padStart(6)}  ${r.kind.padEnd(13)}  ${what}`);
    if (r.kind === 'table') {
      for (const s of slots.filter((x) => x.at >= r.offset && x.at < r.offset + r.size)) {
        lines.push(
          `  ${' '.repeat(14)}  slot +${s.at - r.offset} (${s.path}): data ${s.data}${s.table ? `, table ${s.table}` : ''}`,
        );
      }
    }
  }
  lines.push(`copied from user memory: ${f.copied} bytes`);
  return lines.join('\n');
}

const COLORS: Record<ImageRegion['kind'], string> = {
  seccomp_data: '#d9e7f5',
  ea_meta: '#f5e6c8',
  table: '#e3d5f0',
  object: '#d5efd9',
  window_header: '#f0d5d5',
  window: '#d5efd9',
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Returns an SVG picture of the flattener's last image (one box per region, arrows for slots). */
export function renderImageSvg(f: Flattener, title = `${f.sys.name} (${f.strategy})`): string {
  const map: ImageMap = mapImage(f);
  const slots = tableSlots(f);
  const scale = (n: number): number => Math.max(20, Math.min(160, n * 0.5));
  const x = 120;
  const w = 300;
  let y = 40;
  const ys = new Map<number, number>();
  const boxes: string[] = [];
  for (const r of map.regions) {
    const h = scale(r.size);
    ys.set(r.offset, y);
    boxes.push(
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${COLORS[r.kind]}" stroke="#555"/>`,
      `<text x="${x - 8}" y="${y + 14}" text-anchor="end">${r.offset}</text>`,
      `<text x="${x + 8}" y="${y + 14}">${esc(r.label)} (${r.size} B)</text>`,
    );
    if (r.kind === 'object' && r.filled < r.size) {
      const fy = y + (h * r.filled) / r.size;
      boxes.push(`<line x1="${x}" y1="${fy}" x2="${x + w}" y2="${fy}" stroke="#999" stroke-dasharray="4 3"/>`);
    }
    y += h;
  }
  const regionY = (off: number): number => {
    let best = 40;
    for (const r of map.regions) {
      if (off >= r.offset && off < r.offset + r.size) {
        best = (ys.get(r.offset) ?? 40) + (scale(r.size) * (off - r.offset)) / r.size;
      }
    }
    return best;
  };
  const arrows = slots.map((s, i) => {
    const y1 = regionY(s.at) + 4;
    const y2 = (ys.get(s.data) ?? regionY(s.data)) + 4;
    const bend = x + w + 30 + 18 * i;
    return `<path d="M ${x + w} ${y1} H ${bend} V ${y2} H ${x + w + 6}" fill="none" stroke="#a33" marker-end="url(#arrow)"/><text x="${bend + 4}" y="${(y1 + y2) / 2}" fill="#a33">${esc(s.path)}</text>`;
  });
  const width = x + w + 60 + 18 * slots.length + 120;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 40}" font-family="monospace" font-size="12">`,
    `<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="6" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#a33"/></marker></defs>`,
    `<text x="10" y="20" font-size="14">${esc(title)}: ${f.length} bytes, usize ${map.usize}, root ${map.root}, ${f.copied} bytes copied</text>`,
    ...boxes,
    ...arrows,
    `</svg>`,
  ].join('\n');
}
