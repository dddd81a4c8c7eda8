/**
 * The real kernel as the judge: our filter and libseccomp's, both installed (each in a forked
 * child), give the same observed outcome (errno with its value, SIGSYS with its data, a killed
 * thread or process, a notification, or "ran") on a sample of real syscalls, and the kernel does
 * what our interpreter predicts for each filter. A planted one-bit change in our filter is caught.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BPF_JMP, BPF_RET, type Insn } from '@ea/bpf';
import { oracleUnavailable } from '@ea/oracle';
import { type CompileOptions, compileProfile } from '@ea/profile';
import { describe, expect, it } from 'vitest';
import { compareOnKernel, observe, predict, sampleCalls } from './kernel-sample.js';
import { libseccompFilter, libseccompUnavailable } from './libseccomp.js';
import { libseccompLast, withRuncStub } from './runc-stub.js';

const PROFILES = join(import.meta.dirname, 'profiles');
const skip = oracleUnavailable() ?? libseccompUnavailable();

/** The test profiles whose filters this x86_64 kernel can be asked about (native x86_64 or i386). */
const CASES: readonly (readonly [string, CompileOptions])[] = [
  ['oci-shapes.json', { arch: 'x86_64' }],
  ['docker-shapes.json', { arch: 'x86_64' }],
  ['docker-shapes.json', { arch: 'x86_64', caps: 'all', kernel: '4.4' }],
  ['docker-shapes.json', { arch: 'x86_64', caps: 'none', kernel: '7.1' }],
  ['docker-shapes.json', { arch: 'i386' }],
  ['podman-shapes.json', { arch: 'x86_64' }],
];

function compiledOf(file: string, options: CompileOptions) {
  return compileProfile(readFileSync(join(PROFILES, file), 'utf8'), options);
}

describe.skipIf(skip !== null)(`kernel sample, both filters installed${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  for (const [file, options] of CASES) {
    it(`${file} on ${JSON.stringify(options)}: the kernel answers alike under both filters, as predicted`, () => {
      const compiled = compiledOf(file, options);
      const r = compareOnKernel(compiled, libseccompFilter(compiled.resolved));
      expect(r.oursVsPrediction.slice(0, 5)).toEqual([]);
      expect(r.libVsPrediction.slice(0, 5)).toEqual([]);
      expect(r.differences.slice(0, 5)).toEqual([]);
      expect(r.cases).toBeGreaterThan(400);
      // Not vacuous: calls ran (allow_like), were refused with an errno, and more.
      expect(r.classes.allow_like).toBeGreaterThan(10);
      expect(Object.keys(r.classes).filter((k) => k.startsWith('errno:')).length).toBeGreaterThan(0);
    });
  }

  it('sees every action class of the OCI shapes profile, and i386 calls through int $0x80', () => {
    const compiled = compiledOf('oci-shapes.json', { arch: 'x86_64' });
    const r = compareOnKernel(compiled, libseccompFilter(compiled.resolved));
    for (const k of ['allow_like', 'errno:1', 'errno:13', 'errno:25', 'trap:0', 'kill_thread', 'kill_process']) {
      expect(r.classes[k] ?? 0, `${k} in ${JSON.stringify(r.classes)}`).toBeGreaterThan(0);
    }
    const calls = sampleCalls(compiled, libseccompFilter(compiled.resolved));
    expect(calls.filter((c) => c.abi === 'i386').length).toBeGreaterThan(300);
    expect(calls.filter((c) => c.arch === 'x32').length).toBeGreaterThan(300);
  });

  it('with enosys: the kernel answers ENOSYS as under libseccomp behind runc\'s stub, and as predicted', () => {
    for (const file of ['oci-shapes.json', 'docker-shapes.json']) {
      const compiled = compileProfile(readFileSync(join(PROFILES, file), 'utf8'), { arch: 'x86_64', enosys: true });
      const lib = libseccompFilter(compiled.resolved);
      const r = compareOnKernel(compiled, { ...lib, insns: withRuncStub(libseccompLast(compiled.resolved, lib), lib.insns) });
      expect(r.oursVsPrediction.slice(0, 5)).toEqual([]);
      expect(r.libVsPrediction.slice(0, 5)).toEqual([]);
      expect(r.differences.slice(0, 5)).toEqual([]);
      expect(r.classes['errno:38']).toBeGreaterThan(10);
    }
  });

  it('catches a one-bit change planted in our filter (a return value, a compared constant)', () => {
    const compiled = compiledOf('oci-shapes.json', { arch: 'x86_64' });
    const lib = libseccompFilter(compiled.resolved);
    const calls = sampleCalls(compiled, lib);
    const baseline = predict(compiled.insns, calls);
    // The last instruction of each kind (the shared returns, the argument checks) whose low bit
    // of k, flipped, changes some predicted answer.
    const planted: Insn[][] = [];
    for (const kind of [BPF_RET, BPF_JMP]) {
      for (let pc = compiled.insns.length - 1; pc >= 0; pc--) {
        const insn = compiled.insns[pc]!;
        if ((insn.code & 0x07) !== kind || insn.code === (BPF_JMP | 0x00)) continue;
        const mutant = compiled.insns.map((x, i) => (i === pc ? { ...x, k: (x.k ^ 1) >>> 0 } : x));
        const p = predict(mutant, calls);
        if (p.some((v, i) => v !== baseline[i])) {
          planted.push(mutant);
          break;
        }
      }
    }
    expect(planted.length).toBe(2);
    const [k0, lib0, ...mutants] = observe([compiled.insns, lib.insns, ...planted], calls);
    expect(k0).toEqual(lib0);
    mutants.forEach((k, m) => {
      expect(k.filter((v, i) => v !== lib0![i]).length).toBeGreaterThan(0);
      expect(k).toEqual(predict(planted[m]!, calls));
    });
  });

  for (const [env, name] of [
    ['EA_DOCKER_PROFILE', 'Docker default'],
    ['EA_PODMAN_PROFILE', 'Podman default'],
  ] as const) {
    const path = process.env[env];
    it.skipIf(path === undefined)(`${name} (${env}) on x86_64${path === undefined ? ` (skipped: set ${env} to the profile's path)` : ''}`, () => {
      const compiled = compileProfile(readFileSync(path!, 'utf8'), { arch: 'x86_64' });
      const r = compareOnKernel(compiled, libseccompFilter(compiled.resolved));
      console.log(`${name} x86_64 on the kernel: ${r.cases} calls, ${r.differences.length} differences, classes ${JSON.stringify(r.classes)}, excepted ${r.excepted.join(' ')}`);
      expect(r.oursVsPrediction.slice(0, 5)).toEqual([]);
      expect(r.libVsPrediction.slice(0, 5)).toEqual([]);
      expect(r.differences.slice(0, 5)).toEqual([]);
    });
  }
});
