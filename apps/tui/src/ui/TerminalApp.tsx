import React, { useEffect, useState } from 'react';
import { useStdout } from 'ink';
import type { Workbench } from '../model/index.js';
import { App } from './App.js';

function terminalSize(stdout: NodeJS.WriteStream): { columns: number; rows: number } {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/** The App sized to the terminal, following resizes. */
export function TerminalApp({ workbench }: { workbench: Workbench }): React.ReactElement {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => terminalSize(stdout));
  useEffect(() => {
    const onResize = () => setSize(terminalSize(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return <App workbench={workbench} columns={size.columns} rows={size.rows} />;
}
