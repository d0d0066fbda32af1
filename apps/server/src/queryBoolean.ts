/** Reads a boolean query parameter the way dockerd does: `1`, `true` (any case) are true; absent, empty, `0`, `no`, `false`, `none` are false. */
export function queryBoolean(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return !['', '0', 'no', 'false', 'none'].includes(v);
}
