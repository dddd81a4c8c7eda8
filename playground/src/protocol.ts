/** The messages between the page and its Web Worker. */
import type { Input, Report, Settings } from './analyze.js';
import type { CallAnswer, CallRequest } from './call.js';
import type { DiffAnswer } from './diff.js';
import type { EaAnswer } from './ea.js';
import type { EaFieldSpec } from './eacall.js';
import type { Example } from './examples.js';
import type { PcapAnswer } from './pcap.js';
import type { RunAnswer } from './run.js';

/** What the page asks the worker. */
export type Job =
  | { readonly id: number; readonly type: 'analyze'; readonly input: Input; readonly settings: Settings }
  | { readonly id: number; readonly type: 'call'; readonly input: Input; readonly settings: Settings; readonly asProfile: boolean; readonly request: CallRequest }
  | { readonly id: number; readonly type: 'diff'; readonly input: Input; readonly second: Input; readonly settings: Settings }
  | { readonly id: number; readonly type: 'ea'; readonly syscall: string; readonly strategy: 'jump-table' | 'fixed-window'; readonly input: Input; readonly settings: Settings }
  | { readonly id: number; readonly type: 'pcap'; readonly input: Input; readonly settings: Settings; readonly capture: Uint8Array | null }
  | { readonly id: number; readonly type: 'run'; readonly input: Input; readonly settings: Settings; readonly packets: string; readonly capture: Uint8Array | null };

/** What the worker answers: progress while it works, then one result. */
export type Reply =
  | { readonly id: number; readonly type: 'progress'; readonly stage: string }
  | { readonly id: number; readonly type: 'report'; readonly report: Report }
  | { readonly id: number; readonly type: 'call'; readonly answer: CallAnswer }
  | { readonly id: number; readonly type: 'diff'; readonly answer: DiffAnswer }
  | { readonly id: number; readonly type: 'ea'; readonly answer: EaAnswer }
  | { readonly id: number; readonly type: 'pcap'; readonly answer: PcapAnswer }
  | { readonly id: number; readonly type: 'run'; readonly answer: RunAnswer }
  /** Sent once when the worker starts (id 0): whether this page's CSP lets the JIT run. */
  | { readonly id: 0; readonly type: 'engine'; readonly accelerated: boolean; readonly reason: string | null; readonly examples: readonly Example[]; readonly arches: readonly string[]; readonly eaFields: Readonly<Record<string, readonly EaFieldSpec[]>> };
