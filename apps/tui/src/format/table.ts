/** Column layout of the docker CLI's tables: Go `tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)`. */
export interface TableLayout {
  minWidth: number;
  padding: number;
}

/** The layout `docker images`, `docker history` and `docker ps` print with. */
export const dockerTableLayout: TableLayout = { minWidth: 10, padding: 3 };

/** Display width of a cell: tabwriter counts code points. */
export function cellWidth(text: string): number {
  return [...text].length;
}

/** Widths of every column but the last, which tabwriter leaves unpadded. */
export function columnWidths(rows: string[][], layout: TableLayout = dockerTableLayout): number[] {
  const columns = Math.max(0, ...rows.map((r) => r.length)) - 1;
  const widths: number[] = [];
  for (let c = 0; c < columns; c++) {
    let width = layout.minWidth;
    for (const row of rows) {
      if (c < row.length - 1) width = Math.max(width, cellWidth(row[c]) + layout.padding);
    }
    widths.push(width);
  }
  return widths;
}

/** Lays out rows (header first) the way the docker CLI prints a table, one string per line. */
export function formatTable(rows: string[][], layout: TableLayout = dockerTableLayout): string[] {
  const widths = columnWidths(rows, layout);
  return rows.map((row) =>
    row.map((cell, c) => (c < row.length - 1 ? cell + ' '.repeat(widths[c] - cellWidth(cell)) : cell)).join(''),
  );
}
