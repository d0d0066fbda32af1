import React, { useEffect, useState } from 'react';
import { useStdout } from 'ink';
import type { ImageBrowser } from '../model/index.js';
import { App } from './App.js';

/** The App sized to the terminal, following resizes. */
export function TerminalApp({ browser }: { browser: ImageBrowser }): React.ReactElement {
  const { stdout } = useStdout();
  const measure = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(measure);
  useEffect(() => {
    const onResize = () => setSize(measure());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  });
  return <App browser={browser} columns={size.columns} rows={size.rows} />;
}
