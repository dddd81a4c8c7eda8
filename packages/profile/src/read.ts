/**
 * Reads profile JSON into a ProfileDocument: every field checked, every problem a ProfileError
 * naming its JSON path. Unknown fields are refused (a misspelt `args` would otherwise turn a
 * conditional rule into an unconditional one); names follow runtime-spec, moby/profiles and
 * containers/common exactly.
 */
import { ProfileError } from './errors.js';
import { type JsonNode, parseJson } from './json.js';
import type { ArchMapEntry, ArgCondition, EaCondition, KernelVersion, ProfileDocument, ProfileFormat, RuleFilter, SyscallRule } from './model.js';
import {
  ACTION_NAMES,
  type ActionName,
  actionTakesErrno,
  CAPABILITIES,
  ERRNO_NAMES,
  FILTER_FLAGS,
  NATIVE_ARCH_NAMES,
  OPERATORS,
  type Operator,
  SCMP_ARCHES,
} from './vocab.js';

const U64_MAX = (1n << 64n) - 1n;
/** SECCOMP_RET_DATA: an errno travels in 16 bits (runc casts errnoRet to int16; larger values would wrap). */
const ERRNO_MAX = 0xffff;
/** Arguments 0..5 of struct seccomp_data. */
const MAX_ARG_INDEX = 5;

type Obj = ReadonlyMap<string, JsonNode>;

function kindName(node: JsonNode): string {
  return node.kind;
}

function object(node: JsonNode, path: string, allowed: readonly string[]): Obj {
  if (node.kind !== 'object') throw new ProfileError('BAD_TYPE', path, `expected an object, found ${kindName(node)}`);
  for (const key of node.entries.keys()) {
    if (!allowed.includes(key)) {
      throw new ProfileError('UNKNOWN_FIELD', `${path}.${key}`, `unknown field (known here: ${allowed.join(', ')})`);
    }
  }
  return node.entries;
}

function array(node: JsonNode | undefined, path: string): readonly JsonNode[] {
  if (node === undefined || node.kind === 'null') return [];
  if (node.kind !== 'array') throw new ProfileError('BAD_TYPE', path, `expected an array, found ${kindName(node)}`);
  return node.items;
}

function string(node: JsonNode | undefined, path: string): string | undefined {
  if (node === undefined || node.kind === 'null') return undefined;
  if (node.kind !== 'string') throw new ProfileError('BAD_TYPE', path, `expected a string, found ${kindName(node)}`);
  return node.value;
}

function strings(node: JsonNode | undefined, path: string): string[] {
  return array(node, path).map((item, i) => {
    const s = string(item, `${path}[${i}]`);
    if (s === undefined) throw new ProfileError('BAD_TYPE', `${path}[${i}]`, 'expected a string, found null');
    return s;
  });
}

/** Reads an unsigned integer exactly from its JSON text; refuses signs, fractions, exponents and values past `max`. */
function unsigned(node: JsonNode | undefined, path: string, max: bigint, what: string): bigint | undefined {
  if (node === undefined || node.kind === 'null') return undefined;
  if (node.kind !== 'number') throw new ProfileError('BAD_TYPE', path, `expected a number, found ${kindName(node)}`);
  if (!/^(0|[1-9][0-9]*)$/.test(node.raw)) {
    throw new ProfileError('BAD_VALUE', path, `${node.raw} is not ${what} (a non-negative integer without fraction or exponent)`);
  }
  const value = BigInt(node.raw);
  if (value > max) throw new ProfileError('BAD_VALUE', path, `${node.raw} is larger than ${what} allows (${max})`);
  return value;
}

function action(node: JsonNode | undefined, path: string): ActionName {
  const name = string(node, path);
  if (name === undefined) throw new ProfileError('MISSING_FIELD', path, 'an action is required');
  if (!(ACTION_NAMES as readonly string[]).includes(name)) {
    throw new ProfileError('UNKNOWN_ACTION', path, `unknown action ${JSON.stringify(name)} (known: ${ACTION_NAMES.join(', ')})`);
  }
  return name as ActionName;
}

function operator(node: JsonNode | undefined, path: string): Operator {
  const name = string(node, path);
  if (name === undefined) throw new ProfileError('MISSING_FIELD', path, 'an operator is required');
  if (!(OPERATORS as readonly string[]).includes(name)) {
    throw new ProfileError('UNKNOWN_OPERATOR', path, `unknown operator ${JSON.stringify(name)} (known: ${OPERATORS.join(', ')})`);
  }
  return name as Operator;
}

function scmpArch(node: JsonNode, path: string): string {
  const name = string(node, path);
  if (name === undefined || SCMP_ARCHES[name] === undefined) {
    throw new ProfileError('UNKNOWN_ARCH', path, `unknown architecture ${JSON.stringify(name ?? null)} (expected SCMP_ARCH_*)`);
  }
  return name;
}

/**
 * Podman's getErrno: an `errno` string (a decimal number or a name such as "ENOSYS") wins over
 * the numeric `errnoRet`.
 */
function errno(numeric: JsonNode | undefined, named: JsonNode | undefined, numericPath: string, namedPath: string): number | undefined {
  const name = string(named, namedPath);
  if (name !== undefined && name !== '') {
    if (/^[0-9]+$/.test(name)) {
      const n = BigInt(name);
      if (n > BigInt(ERRNO_MAX)) throw new ProfileError('BAD_ERRNO', namedPath, `${name} does not fit the 16 bits of SECCOMP_RET_DATA`);
      return Number(n);
    }
    const value = ERRNO_NAMES.get(name);
    if (value === undefined) throw new ProfileError('UNKNOWN_ERRNO', namedPath, `unknown errno name ${JSON.stringify(name)}`);
    return value;
  }
  const n = unsigned(numeric, numericPath, BigInt(ERRNO_MAX), 'an errno (16 bits of SECCOMP_RET_DATA)');
  return n === undefined ? undefined : Number(n);
}

function kernelVersion(node: JsonNode | undefined, path: string): KernelVersion | undefined {
  const text = string(node, path);
  if (text === undefined || text === '') return undefined;
  const kv = parseKernelVersion(text);
  if (kv === undefined) throw new ProfileError('BAD_KERNEL', path, `${JSON.stringify(text)} is not "<kernel>.<major>" (each 0..255, not 0.0)`);
  return kv;
}

/** Parses "6.18" the way moby's KernelVersion.UnmarshalJSON does (two parts, each a u8, not 0.0). */
export function parseKernelVersion(text: string): KernelVersion | undefined {
  const m = /^([0-9]+)\.([0-9]+)$/.exec(text);
  if (m === null) return undefined;
  const kernel = Number(m[1]);
  const major = Number(m[2]);
  if (kernel > 255 || major > 255 || (kernel === 0 && major === 0)) return undefined;
  return { kernel, major };
}

function filter(node: JsonNode | undefined, path: string): RuleFilter | undefined {
  if (node === undefined || node.kind === 'null') return undefined;
  const o = object(node, path, ['caps', 'arches', 'minKernel']);
  const caps = strings(o.get('caps'), `${path}.caps`);
  caps.forEach((c, i) => {
    if (!(CAPABILITIES as readonly string[]).includes(c)) {
      throw new ProfileError('UNKNOWN_CAPABILITY', `${path}.caps[${i}]`, `unknown capability ${JSON.stringify(c)}`);
    }
  });
  const arches = strings(o.get('arches'), `${path}.arches`);
  arches.forEach((a, i) => {
    if (!NATIVE_ARCH_NAMES.has(a)) throw new ProfileError('UNKNOWN_ARCH', `${path}.arches[${i}]`, `unknown architecture ${JSON.stringify(a)} (expected amd64, arm64, x86, x32, ...)`);
  });
  return { caps, arches, minKernel: kernelVersion(o.get('minKernel'), `${path}.minKernel`) };
}

function condition(node: JsonNode, path: string, withIndex: boolean): ArgCondition | Omit<EaCondition, 'field'> {
  const o = object(node, path, withIndex ? ['index', 'value', 'valueTwo', 'op'] : ['path', 'value', 'valueTwo', 'op']);
  const op = operator(o.get('op'), `${path}.op`);
  const value = unsigned(o.get('value'), `${path}.value`, U64_MAX, 'a u64') ?? 0n;
  const two = unsigned(o.get('valueTwo'), `${path}.valueTwo`, U64_MAX, 'a u64');
  // runtime-spec reads an absent valueTwo as 0; a non-zero one means nothing outside MASKED_EQ.
  if (two !== undefined && two !== 0n && op !== 'SCMP_CMP_MASKED_EQ') {
    throw new ProfileError('VALUE_TWO_WITHOUT_MASKED_EQ', `${path}.valueTwo`, `valueTwo is only meaningful with SCMP_CMP_MASKED_EQ, not ${op}`);
  }
  if (!withIndex) return { op, value, valueTwo: two ?? 0n, path };
  const indexNode = o.get('index');
  if (indexNode === undefined) throw new ProfileError('MISSING_FIELD', `${path}.index`, 'an argument index is required');
  const digits = indexNode.kind === 'number' && /^(0|[1-9][0-9]*)$/.test(indexNode.raw);
  const index = digits && indexNode.kind === 'number' ? BigInt(indexNode.raw) : unsigned(indexNode, `${path}.index`, U64_MAX, 'an argument index');
  if (index === undefined || index > BigInt(MAX_ARG_INDEX)) {
    throw new ProfileError('BAD_ARG_INDEX', `${path}.index`, `argument index ${String(index)} is past the six arguments (0..5)`);
  }
  return { index: Number(index), op, value, valueTwo: two ?? 0n, path };
}

function eaCondition(node: JsonNode, path: string): EaCondition {
  const fieldNode = node.kind === 'object' ? node.entries.get('path') : undefined;
  const field = string(fieldNode, `${path}.path`);
  if (field === undefined || field === '') throw new ProfileError('BAD_EA_RULE', `${path}.path`, 'an EA condition needs the struct field path');
  return { ...(condition(node, path, false) as Omit<EaCondition, 'field'>), field };
}

const RULE_FIELDS = ['names', 'name', 'action', 'errnoRet', 'errno', 'args', 'ea', 'comment', 'includes', 'excludes'];

function rule(node: JsonNode, path: string): SyscallRule {
  const o = object(node, path, RULE_FIELDS);
  const name = string(o.get('name'), `${path}.name`);
  let names = strings(o.get('names'), `${path}.names`);
  if (name !== undefined && name !== '') {
    if (names.length > 0) throw new ProfileError('NAME_AND_NAMES', path, "both 'name' and 'names' are given; use one");
    names = [name];
  }
  if (names.length === 0) throw new ProfileError('EMPTY_NAMES', `${path}.names`, 'a rule must name at least one syscall');
  names.forEach((n, i) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new ProfileError('BAD_NAME', `${path}.names[${i}]`, `${JSON.stringify(n)} is not a syscall name`);
  });
  const act = action(o.get('action'), `${path}.action`);
  const errnoRet = errno(o.get('errnoRet'), o.get('errno'), `${path}.errnoRet`, `${path}.errno`);
  if (errnoRet !== undefined && !actionTakesErrno(act)) {
    throw new ProfileError('BAD_ERRNO', `${path}.errnoRet`, `an errno is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${act}`);
  }
  const args = array(o.get('args'), `${path}.args`).map((a, i) => condition(a, `${path}.args[${i}]`, true) as ArgCondition);
  const ea = array(o.get('ea'), `${path}.ea`).map((a, i) => eaCondition(a, `${path}.ea[${i}]`));
  const comment = string(o.get('comment'), `${path}.comment`);
  return {
    path,
    names,
    action: act,
    errnoRet,
    args,
    ea,
    includes: filter(o.get('includes'), `${path}.includes`),
    excludes: filter(o.get('excludes'), `${path}.excludes`),
    comment,
  };
}

const TOP_FIELDS = [
  'defaultAction',
  'defaultErrnoRet',
  'defaultErrno',
  'architectures',
  'archMap',
  'flags',
  'listenerPath',
  'listenerMetadata',
  'syscalls',
];

function detectFormat(top: Obj, rules: readonly JsonNode[]): ProfileFormat {
  const ruleHas = (key: string): boolean => rules.some((r) => r.kind === 'object' && r.entries.has(key));
  if (top.has('defaultErrno') || ruleHas('errno')) return 'podman';
  if (top.has('archMap') || ruleHas('includes') || ruleHas('excludes') || ruleHas('name') || ruleHas('comment')) return 'docker';
  return 'oci';
}

/** Reads a profile (OCI `linux.seccomp`, Docker or Podman JSON) from text; throws ProfileError. */
export function readProfile(text: string): ProfileDocument {
  return readProfileJson(parseJson(text));
}

/** Reads a profile from an already parsed JSON tree (see parseJson). */
export function readProfileJson(root: JsonNode): ProfileDocument {
  const top = object(root, '$', TOP_FIELDS);
  const ruleNodes = array(top.get('syscalls'), 'syscalls');
  const defaultAction = top.get('defaultAction');
  if (defaultAction === undefined || (defaultAction.kind === 'string' && defaultAction.value === '')) {
    // moby's setupSeccomp: no default action and no syscalls means "seccomp disabled"; we refuse to guess.
    throw new ProfileError('NO_FILTER', 'defaultAction', 'no default action: this profile does not describe a filter');
  }
  const defAction = action(defaultAction, 'defaultAction');
  const defaultErrnoRet = errno(top.get('defaultErrnoRet'), top.get('defaultErrno'), 'defaultErrnoRet', 'defaultErrno');
  if (defaultErrnoRet !== undefined && !actionTakesErrno(defAction)) {
    throw new ProfileError('BAD_ERRNO', 'defaultErrnoRet', `an errno is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${defAction}`);
  }
  const architectures = array(top.get('architectures'), 'architectures').map((a, i) => scmpArch(a, `architectures[${i}]`));
  const archMap: ArchMapEntry[] = array(top.get('archMap'), 'archMap').map((entry, i) => {
    const p = `archMap[${i}]`;
    const o = object(entry, p, ['architecture', 'subArchitectures']);
    const main = o.get('architecture');
    if (main === undefined) throw new ProfileError('MISSING_FIELD', `${p}.architecture`, 'an architecture is required');
    return {
      architecture: scmpArch(main, `${p}.architecture`),
      subArchitectures: array(o.get('subArchitectures'), `${p}.subArchitectures`).map((a, j) => scmpArch(a, `${p}.subArchitectures[${j}]`)),
    };
  });
  if (architectures.length > 0 && archMap.length > 0) {
    throw new ProfileError('ARCHES_AND_ARCHMAP', 'archMap', "both 'architectures' and 'archMap' are given; use one");
  }
  const flags = strings(top.get('flags'), 'flags');
  flags.forEach((f, i) => {
    if (!FILTER_FLAGS.has(f)) throw new ProfileError('UNKNOWN_FLAG', `flags[${i}]`, `unknown filter flag ${JSON.stringify(f)}`);
  });
  string(top.get('listenerMetadata'), 'listenerMetadata');
  return {
    format: detectFormat(top, ruleNodes),
    defaultAction: defAction,
    defaultErrnoRet,
    architectures,
    archMap,
    flags,
    listenerPath: string(top.get('listenerPath'), 'listenerPath'),
    syscalls: ruleNodes.map((r, i) => rule(r, `syscalls[${i}]`)),
  };
}
