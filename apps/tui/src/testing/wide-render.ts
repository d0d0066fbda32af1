// Test-only: ink-testing-library's fake terminal is 100 columns wide and Ink cuts every line
// there; the app is laid out for the width it is given, so the fake terminal gets that width.
import type React from 'react';
import { render } from 'ink-testing-library';

/** ink-testing-library's render on a fake terminal `columns` wide. */
export function renderWide(tree: React.ReactElement, columns: number): ReturnType<typeof render> {
  const app = render(tree);
  Object.defineProperty(app.stdout, 'columns', { get: () => columns });
  app.rerender(tree);
  return app;
}
