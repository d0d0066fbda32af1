export { formatGoG } from './go-float.js';
export { humanSize } from './size.js';
export { humanDuration, createdSince } from './duration.js';
export { formatTable, columnWidths, cellWidth, dockerTableLayout, type TableLayout } from './table.js';
export { ellipsis } from './ellipsis.js';
export { shortId } from './short-id.js';
export { binarySize } from './binary-size.js';
