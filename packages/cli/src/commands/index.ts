/**
 * Every subcommand, in the order `--help` lists them. Each module exports a
 * `register(cli)` that adds one command to cac.
 */
import type { CAC } from 'cac';
import { register as filter } from './filter.js';
import { register as asm } from './asm.js';
import { register as disasm } from './disasm.js';
import { register as compat } from './compat.js';
import { register as syscalls } from './syscalls.js';
import { register as run } from './run.js';
import { register as jit } from './jit.js';
import { register as layout } from './layout.js';
import { register as verify } from './verify.js';
import { register as profile } from './profile.js';
import { register as ebpfPlugin } from './ebpf-plugin.js';
import { register as explain } from './explain.js';
import { register as diff } from './diff.js';
import { register as audit } from './audit.js';

/** Adds one subcommand to the cac CLI. */
export type RegisterCommand = (cli: CAC) => void;

/** Lists every subcommand's register function, in --help order. */
export const COMMANDS: readonly RegisterCommand[] = [
  filter,
  asm, disasm,
  compat,
  syscalls,
  verify,
  explain, diff, audit,
  profile,
  run,
  layout,
  jit,
  ebpfPlugin,
];
