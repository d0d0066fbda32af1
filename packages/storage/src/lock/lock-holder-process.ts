// A separate process that takes a data root's lock and holds it until its stdin closes:
// the other party in the lock tests (bundled and run by data-root-lock.test.ts). It prints
// one JSON line: the owner it recorded, or the error that kept it out.
import { DataRootLock } from './data-root-lock.js';

const [root, socket] = process.argv.slice(2);
try {
  const lock = await DataRootLock.acquire(root, socket ? { socket } : {});
  process.stdout.write(JSON.stringify({ owner: lock.owner }) + '\n');
  process.stdin.on('end', () => {
    void lock.release().then(() => process.exit(0));
  });
  process.stdin.resume();
} catch (e) {
  const { kind, message } = e as { kind?: string; message: string };
  process.stdout.write(JSON.stringify({ error: { kind, message } }) + '\n');
  process.exit(2);
}
