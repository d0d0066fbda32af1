import { runCommand, type CommandResult } from '../host-command.js';

/** What `runc state` reports. */
export interface RuncState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
  created: string;
}

/** runc's own words for "this container is not there" (exit 1 of `runc state`/`kill`/`delete`). */
export const isMissingContainer = (r: CommandResult): boolean => /container does not exist|not exist/i.test(r.stderr);

/** Debian's runc driven through its CLI, with the engine's own state root (`--root`). */
export class RuncCli {
  constructor(
    readonly binary: string,
    readonly root: string,
  ) {}

  /** Global flags every call (and conmon's `create`) gets. */
  get globalArgs(): string[] {
    return ['--root', this.root];
  }

  run(args: readonly string[]): Promise<CommandResult> {
    return runCommand(this.binary, [...this.globalArgs, ...args]);
  }

  /** The container's runc state, or undefined when runc has none. */
  async state(id: string): Promise<RuncState | undefined> {
    const r = await this.run(['state', id]);
    if (r.code !== 0) {
      if (isMissingContainer(r)) return undefined;
      throw new Error(`runc state ${id}: ${r.stderr.trim()}`);
    }
    return JSON.parse(r.stdout) as RuncState;
  }

  /** runc's error text of a failed call, without its `time=... level=error msg=` decoration. */
  static message(r: CommandResult): string {
    const text = r.stderr.trim();
    const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
    return msg !== undefined ? msg.replace(/\\"/g, '"').replace(/\\\\/g, '\\') : text;
  }
}
