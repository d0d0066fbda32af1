/**
 * A duration as go-units `HumanDuration` words it (`Less than a second`, `About a minute`,
 * `4 minutes`, `About an hour`, `36 hours`, `2 weeks`, ...). Takes milliseconds.
 */
export function humanDuration(milliseconds: number): string {
  // Go converts with int(...), which truncates toward zero; hours alone are rounded.
  const seconds = Math.trunc(milliseconds / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(milliseconds / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(milliseconds / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(milliseconds / 3_600_000) / 24 / 365)} years`;
}

/** The CREATED column of `docker images` and `docker history`: `4 minutes ago`. */
export function createdSince(createdUnixSeconds: number, nowMilliseconds: number): string {
  return `${humanDuration(nowMilliseconds - createdUnixSeconds * 1000)} ago`;
}
