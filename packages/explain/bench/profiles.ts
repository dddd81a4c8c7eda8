/**
 * Measures explain, audit and diff on real container profiles (the numbers quoted in the README):
 *
 *   npx tsx packages/explain/bench/profiles.ts DOCKER.json PODMAN.json
 *
 * with moby/profiles seccomp/default.json and containers/common pkg/seccomp/seccomp.json (not in
 * this repository). Each profile is resolved for x86_64 with Docker's default capabilities by
 * @ea/profile, then compiled twice: by @ea/profile and by libseccomp through python3-seccomp,
 * adding rules as runc does (rules whose action is the default dropped, a rule naming one argument
 * twice split). Prints the x86_64 counts (allowed, denied, conditional), the differences between
 * the two profiles, whether each profile's two builds are equivalent, and the times.
 */
import { readFileSync } from 'node:fs';
import type { Insn } from '@ea/bpf';
import { audit, diff, explain, explore, syscallDecisions } from '@ea/explain';
import { compileProfile, readProfile, resolveProfile, type ResolvedProfile } from '@ea/profile';
import { decodeAction, formatAction } from '@ea/seccomp';
import { verify, type VerifiedProgram } from '@ea/verifier';
import { libseccompFilter, type Rule } from '../test/libseccomp.js';

const PY_ARCH: Record<string, string> = { i386: 'X86', x32: 'X32', aarch64: 'AARCH64', arm: 'ARM' };
const OP: Record<string, string> = {
  SCMP_CMP_NE: 'NE', SCMP_CMP_LT: 'LT', SCMP_CMP_LE: 'LE', SCMP_CMP_EQ: 'EQ', SCMP_CMP_GE: 'GE', SCMP_CMP_GT: 'GT', SCMP_CMP_MASKED_EQ: 'MASKED_EQ',
};
const py = (ret: number) => (ret >>> 0 === 0x80000000 ? 'KILL_PROCESS' : String(ret >>> 0));

function libseccomp(resolved: ResolvedProfile, optimize: 1 | 2): Insn[] {
  const rules: Rule[] = [];
  for (const r of resolved.rules) {
    if (r.ret === resolved.defaultRet) continue;
    const args = r.args.map((a) => `Arg(${a.index}, ${OP[a.op]}, ${a.value}, ${a.valueTwo})`);
    const split = new Set(r.args.map((a) => a.index)).size !== r.args.length;
    for (const name of r.names) {
      if (split) for (const a of args) rules.push({ action: py(r.ret), name, args: [a] });
      else rules.push({ action: py(r.ret), name, args });
    }
  }
  const arches = resolved.arches.filter((a) => a !== resolved.native).map((a) => PY_ARCH[a]!);
  return libseccompFilter(rules, { defaultAction: py(resolved.defaultRet), arches, optimize });
}

function time<T>(f: () => T): [T, number] {
  // Best of five, after a warm-up run.
  f();
  let best = Infinity;
  let out!: T;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    out = f();
    best = Math.min(best, performance.now() - t);
  }
  return [out, best];
}

function counts(program: VerifiedProgram): { allowed: number; denied: number; conditional: number; actions: Map<string, number> } {
  const x86 = explain(program).arches.find((a) => a.names.includes('x86_64'))!;
  const lines = syscallDecisions(x86).filter((d) => d.arch === 'x86_64' && d.name !== undefined);
  const actions = new Map<string, number>();
  let allowed = 0;
  let denied = 0;
  let conditional = 0;
  for (const l of lines) {
    if (l.cases.length > 1) conditional++;
    else {
      const a = decodeAction(l.cases[0]!.ret).action;
      if (a === 'allow' || a === 'log') allowed++;
      else denied++;
      const key = formatAction(l.cases[0]!.ret);
      actions.set(key, (actions.get(key) ?? 0) + 1);
    }
  }
  return { allowed, denied, conditional, actions };
}

const [dockerFile, podmanFile] = process.argv.slice(2);
if (dockerFile === undefined || podmanFile === undefined) throw new Error('usage: profiles.ts DOCKER.json PODMAN.json');
const builds = [dockerFile, podmanFile].map((file) => {
  const text = readFileSync(file, 'utf8');
  const resolved = resolveProfile(readProfile(text), { arch: 'x86_64' });
  const ours = compileProfile(text, { arch: 'x86_64' }).program;
  const linear = verify(libseccomp(resolved, 1), { profile: 'seccomp' });
  const tree = verify(libseccomp(resolved, 2), { profile: 'seccomp' });
  return { file, ours, linear, tree };
});
for (const b of builds) {
  const c = counts(b.linear);
  const walk = explore(b.linear);
  console.log(`${b.file}: libseccomp ${b.linear.insns.length} instructions (tree ${b.tree.insns.length}), @ea/profile ${b.ours.insns.length}; the walk: ${walk.steps} steps, ${walk.leaves.length} paths`);
  console.log(`  x86_64 named syscalls: ${c.allowed} allowed, ${c.denied} denied, ${c.conditional} conditional; ${[...c.actions].map(([a, n]) => `${a} ${n}`).join(', ')}`);
  const [, te] = time(() => explain(b.linear));
  const [findings, ta] = time(() => audit(b.linear));
  const [same, td] = time(() => diff(b.linear, b.tree));
  const vsOurs = diff(b.linear, b.ours);
  console.log(`  explain ${te.toFixed(1)} ms, audit ${ta.toFixed(1)} ms, diff linear/tree ${td.toFixed(1)} ms (equivalent: ${same.equivalent}); libseccomp vs @ea/profile: ${vsOurs.equivalent ? 'equivalent' : `${vsOurs.differences.length} differences`}`);
  for (const d of vsOurs.differences.slice(0, 10)) console.log(`    ${d.arch} ${d.name ?? d.data.nr}${d.to !== undefined ? `-${d.to}` : ''}: libseccomp ${formatAction(d.a)}, @ea/profile ${formatAction(d.b)}`);
  for (const f of findings) console.log(`  audit: ${f.severity} ${f.kind}${f.arch ? ` [${f.arch}]` : ''}: ${f.message}`);
}
const [dp, td] = time(() => diff(builds[0]!.linear, builds[1]!.linear));
console.log(`diff docker podman (libseccomp builds): ${td.toFixed(1)} ms, ${dp.differences.length} differences`);
for (const d of dp.differences) {
  if (d.arch !== 'x86_64') continue;
  const args = d.data.args.some((x) => x !== 0n) ? ` args ${d.data.args.map((x) => `0x${x.toString(16)}`).join(',')}` : '';
  console.log(`  ${d.arch} ${d.name ?? d.data.nr}${d.to !== undefined ? `-${d.to}` : ''}${args}: docker ${formatAction(d.a)}, podman ${formatAction(d.b)}`);
}
const other = dp.differences.filter((d) => d.arch !== 'x86_64');
console.log(`  and ${other.length} differences on i386/x32`);
