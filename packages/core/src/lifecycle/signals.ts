import { invalid } from '../errors/index.js';

// Linux signal numbers (x86-64/arm64 share them for the ones containers use).
const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23,
  XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31, RTMIN: 34, RTMAX: 64,
};

/** A signal as the user spells it (`SIGTERM`, `term`, `15`, `RTMIN+3`) -> its number; `Invalid signal: X` otherwise. */
export function signalNumber(signal: string): number {
  const s = signal.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return n;
    throw invalid(`Invalid signal: ${signal}`);
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTM(IN|AX)([+-]\d+)$/.exec(name);
  if (rt) {
    const n = SIGNALS[`RTM${rt[1]}`] + Number(rt[2]);
    if (n >= 34 && n <= 64) return n;
  }
  const n = SIGNALS[name];
  if (n === undefined) throw invalid(`Invalid signal: ${signal}`);
  return n;
}

/** The canonical `SIGXXX` name of a signal (the number as a string for realtime signals). */
export function signalName(signal: string | number): string {
  const n = typeof signal === 'number' ? signal : signalNumber(signal);
  const name = Object.keys(SIGNALS).find((k) => SIGNALS[k] === n && k !== 'IOT' && k !== 'POLL' && !k.startsWith('RTM'));
  return name ? `SIG${name}` : String(n);
}
