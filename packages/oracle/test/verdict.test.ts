/**
 * The verdict helper itself: known accept/refuse cases on both load paths, a filter that kills
 * its task on the next syscall (the result must still arrive), and a stacked chain to ENOMEM.
 */
import {
  BPF_ABS, BPF_ALU, BPF_DIV, BPF_K, BPF_LD, BPF_MOD, BPF_RET, BPF_W, SECCOMP_RET_ALLOW, SECCOMP_RET_KILL_PROCESS,
  type SockFilter,
} from '@ea/bpf';
import { kernelChainVerdicts, kernelVerdicts, oracleUnavailable } from '@ea/oracle';
import { describe, expect, it } from 'vitest';

const unavailable = oracleUnavailable();
const s = (code: number, k = 0): SockFilter => ({ code, jt: 0, jf: 0, k });
const EINVAL = 22;
const ENOMEM = 12;
const ALLOW = s(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

describe.skipIf(unavailable !== null)(`kernelVerdicts ${unavailable ?? ''}`, () => {
  const programs: SockFilter[][] = [
    [ALLOW],
    [],
    [s(BPF_ALU | BPF_DIV | BPF_K, 0), ALLOW],
    [s(BPF_ALU | BPF_MOD | BPF_K, 3), ALLOW],
    [s(BPF_LD | BPF_W | BPF_ABS, 64), ALLOW],
    [s(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)],
    Array.from({ length: 4097 }, () => ALLOW),
  ];
  it('reports socket verdicts', () => {
    expect(kernelVerdicts(programs, 'socket')).toEqual([0, EINVAL, EINVAL, 0, 0, 0, EINVAL]);
  });
  it('reports seccomp verdicts, even for a filter that kills its task', () => {
    expect(kernelVerdicts(programs, 'seccomp')).toEqual([0, EINVAL, EINVAL, EINVAL, EINVAL, 0, EINVAL]);
  });
  it('stacks filters in one task until ENOMEM, then stops', () => {
    const big = Array.from({ length: 4096 }, () => ALLOW); // 8195 converted instructions
    const results = kernelChainVerdicts([big, big, big, big, big, [ALLOW]]);
    expect(results).toEqual([0, 0, 0, ENOMEM, -1, -1]);
  });
});
