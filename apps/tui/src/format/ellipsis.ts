/**
 * Shortens `text` to `width` characters ending in `…`, as the docker CLI's `Ellipsis`
 * truncates CREATED BY (45) and COMMAND (20). Every code point counts as one column.
 */
export function ellipsis(text: string, width: number): string {
  if (width <= 0) return '';
  const points = [...text];
  if (width === 1) return points[0] ?? '';
  if (points.length <= width) return text;
  return points.slice(0, width - 1).join('') + '…';
}
