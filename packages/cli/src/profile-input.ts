/**
 * Seccomp profiles (OCI, Docker, Podman JSON) as CLI input: recognizing one, the machine options
 * (`--arch`, `--caps`, `--kernel`), compiling it, and warnings on stderr.
 */
import { release } from 'node:os';
import { type CompiledProfile, compileProfile, type ResolveOptions } from '@ea/profile';
import type { Strategy } from '@ea/policy';
import { UsageError } from './output.js';

/** Tells whether input bytes look like a JSON profile (an object with a string key) rather than a program. */
export function isProfileInput(file: string, bytes: Uint8Array): boolean {
  if (file.endsWith('.json')) return true;
  const head = new TextDecoder().decode(bytes.subarray(0, 256));
  return /^\s*\{\s*"/.test(head);
}

/** Parses `--caps`: default, none, all or a comma-separated list of CAP_* names. */
export function capsOption(value: string | undefined): NonNullable<ResolveOptions['caps']> {
  if (value === undefined || value === 'default' || value === 'none' || value === 'all') return value ?? 'default';
  return String(value)
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** Returns the running kernel as "major.minor" (dockerd compares minKernel with it), or 6.18. */
export function hostKernel(): string {
  return /^([0-9]+\.[0-9]+)/.exec(release())?.[1] ?? '6.18';
}

/** Compiles a profile for the CLI, writing its warnings to stderr. */
export function compileProfileInput(
  bytes: Uint8Array,
  options: {
    readonly arch: string;
    readonly caps?: string | undefined;
    readonly kernel?: string | number | undefined;
    /** How the filter's EA rules expect structs flattened (default jump-table). */
    readonly eaStrategy?: Strategy;
    /** runc's ERRNO(ENOSYS) answer for numbers above the profile's largest (default false). */
    readonly enosys?: boolean;
  },
): CompiledProfile {
  const kernel = options.kernel === undefined ? hostKernel() : String(options.kernel);
  if (!/^[0-9]+\.[0-9]+$/.test(kernel)) throw new UsageError(`--kernel must look like 6.18 (got ${JSON.stringify(kernel)})`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const compiled = compileProfile(text, {
    arch: options.arch,
    caps: capsOption(options.caps),
    kernel,
    ...(options.eaStrategy !== undefined && { eaStrategy: options.eaStrategy }),
    ...(options.enosys === true && { enosys: true }),
  });
  for (const w of compiled.warnings) process.stderr.write(`ea-bpf: warning: ${w.message}\n`);
  return compiled;
}
