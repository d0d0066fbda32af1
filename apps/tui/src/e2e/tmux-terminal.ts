// The terminal of the end-to-end tests: a private tmux server (its socket in the test's temp dir, so
// nothing of anyone else's is touched), keys typed into a session and the screen read back.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A tmux session of a test's own tmux server; `socket` is read at each call (tests make it in beforeAll). */
export function tmuxTerminal(session: string, socket: () => string) {
  const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-S', socket(), ...args])).stdout;
  const screen = (): Promise<string> => tmux('capture-pane', '-p', '-t', session);
  async function waitFor(what: string, ready: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await screen();
      if (ready(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${last}`);
  }
  return {
    tmux,
    screen,
    waitFor,
    keys: (...k: string[]) => tmux('send-keys', '-t', session, ...k),
    type: (text: string) => tmux('send-keys', '-t', session, '-l', text),
    paneFlag: async (name: string): Promise<string> => (await tmux('display-message', '-p', '-t', session, `#{${name}}`)).trim(),
  };
}

/** With STRATA_SCREENSHOTS=DIR, a captured screen is kept there as NAME.txt (the docs' screenshots). */
export async function keepScreen(name: string, text: string): Promise<void> {
  const dir = process.env.STRATA_SCREENSHOTS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.txt`), text.replace(/\s+$/gm, '') + '\n');
}
