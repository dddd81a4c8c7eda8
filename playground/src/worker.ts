/**
 * The page's Web Worker: the analyses run here so a huge input never freezes the page. The page
 * cancels a job by terminating this worker and starting a new one (synchronous work cannot be
 * interrupted any other way); progress is posted before each stage.
 */
import { BPF_K, BPF_RET } from '@ea/bpf';
import { compile } from '@ea/jit';
import { SYSCALL_ARCHES } from '@ea/seccomp';
import { verify } from '@ea/verifier';
import { analyze, ebpfSource } from './analyze.js';
import { tryCall } from './call.js';
import { diffInputs } from './diff.js';
import { EA_SYSCALLS } from './choices.js';
import { eaAnswer } from './ea.js';
import { eaFieldSpecs } from './eacall.js';
import { examples } from './examples.js';
import { countPcap } from './pcap.js';
import type { Job, Reply } from './protocol.js';
import { runPackets } from './run.js';

const post = (reply: Reply): void => (self as unknown as { postMessage(m: Reply): void }).postMessage(reply);

self.addEventListener('message', (event: MessageEvent<Job>) => {
  const job = event.data;
  switch (job.type) {
    case 'analyze':
      post({ id: job.id, type: 'report', report: analyze(job.input, job.settings, (stage) => post({ id: job.id, type: 'progress', stage })) });
      break;
    case 'call':
      post({ id: job.id, type: 'call', answer: tryCall(job.input, job.settings, job.asProfile, job.request) });
      break;
    case 'diff':
      post({ id: job.id, type: 'diff', answer: diffInputs(job.input, job.second, job.settings) });
      break;
    case 'ea':
      post({ id: job.id, type: 'ea', answer: eaAnswer(job.syscall, job.strategy, job.input, job.settings) });
      break;
    case 'pcap':
      post({ id: job.id, type: 'pcap', answer: countPcap(job.input, job.settings, job.capture, (stage) => post({ id: job.id, type: 'progress', stage })) });
      break;
    case 'run': {
      const progress = (stage: string): void => post({ id: job.id, type: 'progress', stage });
      post({ id: job.id, type: 'run', answer: runPackets(job.input, ebpfSource(job.input, job.settings), job.settings.section, job.packets, job.capture, progress) });
      break;
    }
    default:
      assertNever(job);
  }
});

/**
 * Says hello: the examples and arches (built here, so the page's own bundle carries neither the
 * policy compiler nor the syscall tables), and whether this worker may generate code, asked of
 * compile() itself on a one-instruction filter.
 */
function probe(): void {
  const compiled = compile(verify([{ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0 }], { profile: 'seccomp' }));
  post({ id: 0, type: 'engine', accelerated: compiled.accelerated, reason: compiled.reason ?? null, examples: examples(), arches: SYSCALL_ARCHES,
    eaFields: Object.fromEntries(EA_SYSCALLS.map((s) => [s, eaFieldSpecs(s)])),
  });
}
probe();

function assertNever(x: never): never {
  throw new Error(`unexpected job ${JSON.stringify(x)}`);
}
