/**
 * `pnpm playground`: builds the page, then serves it on 127.0.0.1 (PORT, default 8021). `/` is
 * the page with a CSP that allows eval (the JIT runs); `/csp/` is the same page under a strict
 * CSP without 'unsafe-eval' (the interpreter runs, and the page says so). Both forbid every
 * connection (connect-src 'none'): nothing the page does can send data anywhere.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildPlayground, DIST } from './build.js';

const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'main.js': 'text/javascript; charset=utf-8',
  'worker.js': 'text/javascript; charset=utf-8',
};

/** The policy of each variant: the same, but only `/` may eval. */
export function policy(strict: boolean): string {
  const script = strict ? "script-src 'self'" : "script-src 'self' 'unsafe-eval'";
  return `default-src 'none'; ${script}; worker-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`;
}

/** Serves `dir` (a built playground) on 127.0.0.1:port; 0 picks a free port. Resolves with the server and its URL. */
export async function servePlayground(dir: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const strict = path.startsWith('/csp/');
    const name = path.replace(/^\/(csp\/)?/, '') || 'index.html';
    const type = FILES[name];
    if (type === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(path === '/csp' ? 301 : 404, path === '/csp' ? { Location: '/csp/' } : {}).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Security-Policy': policy(strict), 'X-Content-Type-Options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(join(dir, name)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = await buildPlayground();
  const { url } = await servePlayground(DIST, Number(process.env['PORT'] ?? 8021));
  process.stdout.write(`built ${Object.entries(sizes).map(([f, n]) => `${f} ${n} B`).join(', ')}\n`);
  process.stdout.write(`ea playground: ${url}  (strict CSP, interpreter only: ${url}csp/)\n`);
}
