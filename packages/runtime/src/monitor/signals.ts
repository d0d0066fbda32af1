import { invalid } from '@strata/core';

/** Linux signal numbers by name without `SIG` (x86-64), as Docker's signal.SignalMap. */
const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22,
  URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31, UNUSED: 31,
  RTMIN: 34, RTMAX: 64,
};

/** The number of a signal given as `SIGTERM`, `term`, `15` or `RTMIN+3`; invalid (Docker's wording) otherwise. */
export function signalNumber(signal: string): number {
  const s = signal.trim();
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return n;
    throw invalid(`Invalid signal: ${signal}`);
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTMIN\+([0-9]+)$/.exec(name) ?? /^RTMAX-([0-9]+)$/.exec(name);
  if (rt) {
    const n = name.startsWith('RTMIN') ? SIGNALS.RTMIN + Number(rt[1]) : SIGNALS.RTMAX - Number(rt[1]);
    if (n >= SIGNALS.RTMIN && n <= SIGNALS.RTMAX) return n;
  }
  const n = SIGNALS[name];
  if (n === undefined) throw invalid(`Invalid signal: ${signal}`);
  return n;
}
