// The shell and attach sessions on the embedded engine with a real container (root, runc, conmon),
// the terminal being a pair of streams: keys written in, the screen's bytes read out.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workbench } from '../model/index.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { openEmbeddedEngine, type EmbeddedEngine } from './data-root-engine.js';
import { runTerminalSession, type SessionTerminal } from './terminal-handover.js';

const skip = process.getuid?.() !== 0 ? 'containers need root' : !existsSync('/usr/sbin/runc') || !existsSync('/usr/bin/conmon') ? 'runc and conmon are not installed' : '';

/** A terminal made of streams: what the session writes is kept; `typeWhen` types once the screen shows something. */
function streamTerminal(): SessionTerminal & { screen(): string; typeWhen(seen: RegExp, keys: string | ((screen: string) => string)): Promise<void> } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let screen = '';
  stdout.on('data', (b: Buffer) => (screen += b.toString('utf8')));
  Object.assign(stdout, { rows: 30, columns: 100 });
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    screen: () => screen,
    async typeWhen(seen, keys) {
      for (let waited = 0; !seen.test(screen); waited += 20) {
        if (waited > 20_000) throw new Error(`the terminal never showed ${seen}; it showed ${JSON.stringify(screen)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      stdin.write(typeof keys === 'string' ? keys : keys(screen));
    },
  };
}

describe.skipIf(skip !== '')(`terminal sessions on the embedded engine${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let embedded: EmbeddedEngine;
  let id: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-tui-session-'));
    embedded = await openEmbeddedEngine(join(dir, 'root'), { withRuntime: true });
    await embedded.engine.loadImages(fixtureArchive('01-base'));
    ({ Id: id } = await embedded.engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'while true; do sleep 1; done'], StopTimeout: 1 }, { name: 'web' }));
    await embedded.engine.startContainer(id);
  }, 60_000);

  afterAll(async () => {
    if (embedded) {
      await embedded.engine.removeContainer(id, { force: true }).catch(() => undefined);
      await embedded.close();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('runs the shell: sh (the image has no /etc/passwd), at the terminal\'s size, until exit', async () => {
    const terminal = streamTerminal();
    const typing = (async () => {
      // ash asks where the cursor is after its prompt (ESC [6n); a terminal answers (row 1, column 5).
      // On a loaded machine ash may stop waiting first and draw the prompt again (ESC [J): then nothing to answer.
      await terminal.typeWhen(/# \u001b\[(6n|J)$/, (screen) => (screen.endsWith('\u001b[J') ? '' : '\u001b[1;5R'));
      // Keys sent with the answer could be taken for more of it.
      await new Promise((r) => setTimeout(r, 300));
      await terminal.typeWhen(/# /, 'hostname\r');
      await terminal.typeWhen(new RegExp(`${id.slice(0, 12)}\r\n`), 'stty size\r');
      await terminal.typeWhen(/30 100\r\n/, 'exit 3\r');
    })();
    const session = runTerminalSession(embedded.engine, { kind: 'shell', containerId: id, name: 'web' }, terminal);
    await typing;
    const outcome = await session;
    expect(outcome).toEqual({ message: 'shell in web exited with code 3', failed: true });
    const screen = terminal.screen();
    expect(screen.startsWith('\r\n\u001b[2mstrata: shell in web; exit it to return to strata\u001b[0m\r\n')).toBe(true);
    expect(screen).toContain('30 100\r\n');
    expect(screen).toContain(`${id.slice(0, 12)}\r\n`);
  });

  it('attaches to the container\'s process and detaches on ctrl-p ctrl-q, leaving it running', async () => {
    const terminal = streamTerminal();
    const typing = terminal.typeWhen(/detaches and returns to strata/, '\u0010\u0011');
    const outcome = await runTerminalSession(embedded.engine, { kind: 'attach', containerId: id, name: 'web' }, terminal);
    await typing;
    expect(outcome).toEqual({ message: 'detached from web', failed: false });
    expect((await embedded.engine.inspectContainer(id)).State).toMatchObject({ Running: true });
  });

  it('asks for the terminal from the Containers panel (E, a), and says how the session ended once it is back', async () => {
    const workbench = new Workbench(embedded.engine);
    await workbench.start();
    await workbench.settled();
    workbench.press({ input: 'E' });
    expect(workbench.state.handover).toEqual({ kind: 'shell', containerId: id, name: 'web' });
    workbench.endHandover({ message: 'shell in web exited with code 0', failed: false });
    expect(workbench.state).toMatchObject({ handover: undefined, notice: 'shell in web exited with code 0' });
    workbench.press({ input: 'a' });
    expect(workbench.state.handover).toEqual({ kind: 'attach', containerId: id, name: 'web' });
    workbench.endHandover({ message: 'detached from web', failed: false });
    await embedded.engine.stopContainer(id, { timeout: 1 });
    await workbench.settled();
    while (workbench.containers.selectedRow?.state === 'running') await new Promise((r) => setTimeout(r, 50));
    workbench.press({ input: 'E' });
    expect(workbench.state.handover).toBeUndefined();
    expect(workbench.state.error).toBe(`Container ${id.slice(0, 12)} is not running`);
    workbench.close();
  });
});
