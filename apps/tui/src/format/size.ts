import { formatGoG } from './go-float.js';

const decimalUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/**
 * A size in Docker's decimal units with `precision` significant digits, as go-units
 * `HumanSizeWithPrecision` prints it (`1982333` -> `1.98MB`, `0` -> `0B`).
 */
export function humanSize(bytes: number, precision = 3): string {
  let size = bytes;
  let unit = 0;
  // Repeated division, not one division by 1000^n: the float results differ in the last bit.
  while (size >= 1000 && unit < decimalUnits.length - 1) {
    size /= 1000;
    unit++;
  }
  return formatGoG(size, precision) + decimalUnits[unit];
}
