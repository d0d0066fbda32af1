import { formatGoG } from './go-float.js';

const binaryUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** A size in binary units with four significant digits, as go-units `BytesSize` prints it (`323584` -> `316KiB`). */
export function binarySize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < binaryUnits.length - 1) {
    size /= 1024;
    unit++;
  }
  return formatGoG(size, 4) + binaryUnits[unit];
}
