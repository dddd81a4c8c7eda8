/**
 * Builds the playground into playground/dist: the page's script and the worker's, each one
 * esbuild bundle of the workspace packages (resolved to their sources through tsconfig paths),
 * next to index.html and style.css. Returns the bundle sizes.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The directory the page is built into. */
export const DIST = join(import.meta.dirname, 'dist');

/** Builds the page; returns the size in bytes of each built file. */
export async function buildPlayground(out: string = DIST): Promise<Record<string, number>> {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: { main: join(import.meta.dirname, 'src/main.ts'), worker: join(import.meta.dirname, 'src/worker.ts') },
    outdir: out,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(import.meta.dirname, f), join(out, f));
  const sizes: Record<string, number> = {};
  for (const f of ['index.html', 'style.css', 'main.js', 'worker.js']) sizes[f] = statSync(join(out, f)).size;
  return sizes;
}
