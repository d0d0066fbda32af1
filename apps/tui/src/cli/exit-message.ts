/** Prints `strata: message` on stderr and returns the exit status. */
export function fail(message: string, status = 1): number {
  process.stderr.write(`strata: ${message}\n`);
  return status;
}
