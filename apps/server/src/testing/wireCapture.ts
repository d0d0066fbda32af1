// Test support: the bytes of one connection direction of a docker-api capture, decoded from the
// capture notation (README.md of the captures: `\r`, `\n`, `\xNN`, `\xNN{xCOUNT}`, a real line
// break added after every `\n`).
import { readCapture } from '../captureFixtures.js';

/** Decodes one logged read() back into its bytes. */
export function decodeCaptureText(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === '\\' && text[i + 1] === 'r') {
      out.push(0x0d);
      i += 2;
    } else if (text[i] === '\\' && text[i + 1] === 'n') {
      out.push(0x0a);
      i += 2;
      if (text[i] === '\n') i++; // the readability break the capture added
    } else if (text[i] === '\\' && text[i + 1] === 'x' && /^[0-9a-f]{2}$/i.test(text.slice(i + 2, i + 4))) {
      const byte = Number.parseInt(text.slice(i + 2, i + 4), 16);
      i += 4;
      const run = /^\{x(\d+)\}/.exec(text.slice(i));
      const count = run ? Number(run[1]) : 1;
      if (run) i += run[0].length;
      for (let n = 0; n < count; n++) out.push(byte);
    } else {
      out.push(text.charCodeAt(i) & 0xff);
      i++;
    }
  }
  return Buffer.from(out);
}

/**
 * The reads logged for `conn N` in one direction (`S>C` server to client, `C>S` client to
 * server), in order, each decoded.
 */
export function capturedReads(name: string, conn: number, direction: 'S>C' | 'C>S'): Buffer[] {
  const wire = readCapture(name).split('## wire log')[1];
  const header = new RegExp(`^### conn ${conn} ${direction} (\\d+) bytes[^\\n]*\\n`, 'gm');
  const reads: Buffer[] = [];
  for (let m = header.exec(wire); m; m = header.exec(wire)) {
    const start = m.index + m[0].length;
    const next = wire.indexOf('\n###', start);
    // Each logged read ends with the blank line before the next `###`.
    const text = wire.slice(start, next === -1 ? undefined : next).replace(/\n$/, '');
    const bytes = decodeCaptureText(text.replace(/\n$/, ''));
    if (bytes.length !== Number(m[1])) throw new Error(`${name} conn ${conn} ${direction}: decoded ${bytes.length} bytes, the log says ${m[1]}`);
    reads.push(bytes);
  }
  return reads;
}
