import { StrataError } from '../errors/index.js';
import type { DockerfileNode, DockerfileParse, Heredoc } from './dockerfile-parser.js';

// Dockerfile instructions with their meaning, from BuildKit's parse tree, checked the way the
// classic builder's instructions.Parse checks them (argument counts, flags, unknown names).

/** A key with an optional value (ARG) or a key=value pair (ENV, LABEL), unexpanded. */
export interface KeyValue {
  key: string;
  value: string;
}

interface Base {
  /** The instruction as written (continuations joined), shown as `Step N/M : <original>`. */
  original: string;
  line: number;
}

/** One build instruction of a stage. */
export type Instruction = Base &
  (
    | { kind: 'env'; pairs: KeyValue[] }
    | { kind: 'label'; pairs: KeyValue[] }
    | { kind: 'arg'; args: Array<{ key: string; value?: string }> }
    | { kind: 'workdir'; path: string }
    | { kind: 'expose'; ports: string[] }
    | { kind: 'cmd' | 'entrypoint'; args: string[]; json: boolean }
    | { kind: 'run'; args: string[]; json: boolean; heredocs: Heredoc[]; flags: Record<string, string> }
    | { kind: 'user'; user: string }
    | { kind: 'volume'; paths: string[] }
    | { kind: 'stopsignal'; signal: string }
    | { kind: 'healthcheck'; test: string[]; flags: Record<string, string> }
    | { kind: 'shell'; shell: string[] }
    | { kind: 'onbuild'; expression: string }
    | { kind: 'maintainer'; name: string }
    | { kind: 'copy' | 'add'; sources: string[]; dest: string; from?: string; chown?: string; chmod?: string; heredocs: Heredoc[]; json: boolean }
  );

/** A FROM and the instructions after it. */
export interface Stage extends Base {
  /** The image (or earlier stage) named by FROM, unexpanded. */
  base: string;
  /** `AS name`, lower-cased as BuildKit does. */
  name?: string;
  platform?: string;
  commands: Instruction[];
}

/** The ARGs before the first FROM and the stages. */
export interface DockerfilePlan {
  metaArgs: Array<Base & { kind: 'arg'; args: Array<{ key: string; value?: string }> }>;
  stages: Stage[];
}

/** A Dockerfile that parses but does not make sense, with its line. */
export class DockerfileInstructionError extends StrataError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super('invalid', message);
  }
}

const KNOWN = new Set([
  'add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer', 'onbuild', 'run', 'shell',
  'stopsignal', 'user', 'volume', 'workdir',
]);

const FLAGS: Record<string, string[]> = {
  from: ['platform'],
  copy: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  add: ['chown', 'chmod', 'link', 'keep-git-dir', 'checksum', 'exclude'],
  run: ['mount', 'network', 'security'],
  healthcheck: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

function values(node: DockerfileNode): string[] {
  const out: string[] = [];
  for (let n = node.next; n; n = n.next) out.push(n.value);
  return out;
}

function parseFlags(node: DockerfileNode, cmd: string): Record<string, string> {
  const allowed = FLAGS[cmd] ?? [];
  const out: Record<string, string> = {};
  for (const raw of node.flags) {
    const body = raw.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (!allowed.includes(name)) throw new Error(`unknown flag: ${name}`);
    out[name] = eq < 0 ? 'true' : body.slice(eq + 1);
  }
  return out;
}

function keyValues(node: DockerfileNode, name: string): KeyValue[] {
  const v = values(node);
  if (v.length === 0) throw new Error(`${name} requires at least one argument`);
  const out: KeyValue[] = [];
  for (let i = 0; i + 1 < v.length; i += 3) {
    if (v[i] === '') throw new Error(`${name} names can not be blank`);
    out.push({ key: v[i], value: v[i + 1] });
  }
  return out;
}

/** Turns a parse into stages, as the classic builder's instructions.Parse does. */
export function planDockerfile(parse: DockerfileParse): DockerfilePlan {
  const plan: DockerfilePlan = { metaArgs: [], stages: [] };
  for (const node of parse.root.children) {
    let instruction: Instruction | Stage;
    try {
      instruction = parseInstruction(node);
    } catch (e) {
      if (e instanceof DockerfileInstructionError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw new DockerfileInstructionError(`Dockerfile parse error line ${node.startLine}: ${message}`, node.startLine);
    }
    if ('commands' in instruction) {
      plan.stages.push(instruction);
      continue;
    }
    if (plan.stages.length === 0) {
      if (instruction.kind === 'arg') {
        plan.metaArgs.push(instruction);
        continue;
      }
      throw new DockerfileInstructionError('no build stage in current context', node.startLine);
    }
    plan.stages[plan.stages.length - 1].commands.push(instruction);
  }
  return plan;
}

function parseInstruction(node: DockerfileNode): Instruction | Stage {
  const cmd = node.value.toLowerCase();
  const base = { original: node.original, line: node.startLine };
  if (!KNOWN.has(cmd)) throw new Error(`unknown instruction: ${node.value.toUpperCase()}`);
  const flags = parseFlags(node, cmd);
  const args = values(node);
  const atLeastOne = (): void => {
    if (args.length === 0) throw new Error(`${cmd.toUpperCase()} requires at least one argument`);
  };
  const exactlyOne = (): void => {
    if (args.length !== 1) throw new Error(`${cmd.toUpperCase()} requires exactly one argument`);
  };
  switch (cmd) {
    case 'from': {
      if (args.length !== 1 && !(args.length === 3 && args[1].toLowerCase() === 'as')) {
        throw new Error('FROM requires either one or three arguments');
      }
      const name = args.length === 3 ? args[2].toLowerCase() : undefined;
      if (name !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(name)) throw new Error(`invalid name for build stage: "${args[2]}", name can't start with a number or contain symbols`);
      return { ...base, base: args[0], name, platform: flags.platform, commands: [] };
    }
    case 'env':
      return { ...base, kind: 'env', pairs: keyValues(node, 'ENV') };
    case 'label':
      return { ...base, kind: 'label', pairs: keyValues(node, 'LABEL') };
    case 'arg': {
      atLeastOne();
      return {
        ...base,
        kind: 'arg',
        args: args.map((a) => {
          const eq = a.indexOf('=');
          if (eq === 0) throw new Error('ARG names can not be blank');
          return eq < 0 ? { key: a } : { key: a.slice(0, eq), value: a.slice(eq + 1) };
        }),
      };
    }
    case 'workdir':
      exactlyOne();
      return { ...base, kind: 'workdir', path: args[0] };
    case 'expose':
      atLeastOne();
      return { ...base, kind: 'expose', ports: args };
    case 'cmd':
    case 'entrypoint':
      return { ...base, kind: cmd, args, json: node.json };
    case 'run':
      atLeastOne();
      return { ...base, kind: 'run', args, json: node.json, heredocs: node.heredocs, flags };
    case 'user':
      exactlyOne();
      return { ...base, kind: 'user', user: args[0] };
    case 'volume':
      atLeastOne();
      for (const v of args) if (v.trim() === '') throw new Error('VOLUME specified can not be an empty string');
      return { ...base, kind: 'volume', paths: args };
    case 'stopsignal':
      exactlyOne();
      return { ...base, kind: 'stopsignal', signal: args[0] };
    case 'healthcheck': {
      atLeastOne();
      const type = args[0].toUpperCase();
      if (type === 'NONE') {
        if (args.length > 1) throw new Error('HEALTHCHECK NONE takes no arguments');
        return { ...base, kind: 'healthcheck', test: ['NONE'], flags };
      }
      if (type !== 'CMD') throw new Error(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
      const rest = args.slice(1);
      const test = node.json ? ['CMD', ...rest] : ['CMD-SHELL', rest.join(' ')];
      return { ...base, kind: 'healthcheck', test, flags };
    }
    case 'shell':
      atLeastOne();
      if (!node.json) throw new Error('SHELL requires the arguments to be in JSON form');
      return { ...base, kind: 'shell', shell: args };
    case 'onbuild': {
      const child = node.next?.children[0];
      if (!child) throw new Error('ONBUILD requires at least one argument');
      const trigger = child.value.toUpperCase();
      if (trigger === 'ONBUILD') throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
      return { ...base, kind: 'onbuild', expression: node.original.replace(/^\s*ONBUILD\s*/i, '') };
    }
    case 'maintainer':
      exactlyOne();
      return { ...base, kind: 'maintainer', name: args[0] };
    default: {
      // copy, add
      if (args.length < 2 && node.heredocs.length === 0) {
        if (args.length === 0) throw new Error(`${cmd.toUpperCase()} requires at least two arguments`);
        throw new Error(`${cmd.toUpperCase()} requires at least two arguments, but only one was provided. Destination could not be determined.`);
      }
      if (cmd === 'add' && flags.from !== undefined) throw new Error('unknown flag: from');
      return {
        ...base,
        kind: cmd as 'copy' | 'add',
        sources: args.slice(0, -1),
        dest: args[args.length - 1],
        from: flags.from,
        chown: flags.chown,
        chmod: flags.chmod,
        heredocs: node.heredocs,
        json: node.json,
      };
    }
  }
}
