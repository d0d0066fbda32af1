/** Indexes of the rows whose cells contain every word of `filter` (case-insensitive); all rows for an empty filter. */
export function filterRows<T>(rows: readonly T[], filter: string, text: (row: T) => string): number[] {
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const kept: number[] = [];
  rows.forEach((row, i) => {
    const haystack = text(row).toLowerCase();
    if (words.every((w) => haystack.includes(w))) kept.push(i);
  });
  return kept;
}
