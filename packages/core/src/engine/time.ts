/** RFC 3339 with nanoseconds, as Go prints time.Time (`2026-11-22T14:15:34.893556491Z`). */
export function rfc3339Nano(ms: number, extraNanos = 0): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2026-11-22T14:15:34.893Z
  const frac = String(Math.floor(ms % 1000) * 1_000_000 + extraNanos).padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}
