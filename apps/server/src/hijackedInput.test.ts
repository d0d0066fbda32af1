import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hijackedInput } from './hijackedInput.js';
import { capturedReads } from './testing/wireCapture.js';

let dir: string | undefined;
let server: Server | undefined;

afterEach(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
  server = undefined;
});

/** A connected pair over a unix socket: the server side (as the 'upgrade' event hands it over) and the client. */
async function socketPair(): Promise<{ serverSide: Socket; client: Socket }> {
  dir = await mkdtemp(join(tmpdir(), 'strata-hijacked-input-'));
  const path = join(dir, 's.sock');
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer({ allowHalfOpen: true }, resolve);
  });
  await new Promise<void>((r) => server!.listen(path, r));
  const client = connect({ path, allowHalfOpen: true });
  await new Promise<void>((r) => client.once('connect', () => r()));
  return { serverSide: await accepted, client };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
  return Buffer.concat(parts).toString();
}

describe('hijackedInput', () => {
  it('takes exec start\'s body out of head, as Node 20 delivered it in the capture', async () => {
    const { serverSide, client } = await socketPair();
    // The bytes the CLI sent for `docker exec`: the JSON body arrived in the same read as the head.
    const sent = capturedReads('exec', 16, 'C>S').find((r) => r.includes('/start'))!;
    const head = sent.subarray(sent.indexOf('\r\n\r\n') + 4);
    const input = hijackedInput(serverSide, head, 29);
    expect(Buffer.from(await input.body).toString()).toBe('{"Detach":false,"Tty":false}\n');
    client.end();
    expect(await readAll(input.stdin)).toBe('');
  });

  it('waits for a body that comes after the head and keeps the stdin that follows it, until the FIN', async () => {
    const { serverSide, client } = await socketPair();
    const input = hijackedInput(serverSide, Buffer.from('{"Detach"'), 29);
    client.write(':false,"Tty":false}\nline1\n');
    expect(Buffer.from(await input.body).toString()).toBe('{"Detach":false,"Tty":false}\n');
    client.write('line2\n');
    client.end();
    expect(await readAll(input.stdin)).toBe('line1\nline2\n');
  });

  it('treats everything as stdin when there is no body (attach -i)', async () => {
    const { serverSide, client } = await socketPair();
    const input = hijackedInput(serverSide, Buffer.from('early'), 0);
    expect((await input.body).byteLength).toBe(0);
    client.end(' late');
    expect(await readAll(input.stdin)).toBe('early late');
  });

  it('rejects the body when the client closes short of it', async () => {
    const { serverSide, client } = await socketPair();
    const input = hijackedInput(serverSide, Buffer.from('{"De'), 29);
    client.end();
    await expect(input.body).rejects.toThrow('25 bytes short');
  });
});
