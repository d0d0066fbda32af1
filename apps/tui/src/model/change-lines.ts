import type { ContainerChange } from '@strata/core';

/** One line of the Diff tab: `A`dded, `C`hanged or `D`eleted, and the path. */
export interface ChangeLine {
  mark: 'A' | 'C' | 'D';
  path: string;
}

/** The colour of each mark, as the Layers tab colours added, modified and removed files. */
export const changeColors: Record<ChangeLine['mark'], string> = { A: 'green', C: 'yellow', D: 'red' };

const marks: Record<number, ChangeLine['mark']> = { 0: 'C', 1: 'A', 2: 'D' };

/** docker diff's lines (`Kind` 0 changed, 1 added, 2 deleted), in the engine's order (sorted by path). */
export function changeLines(changes: readonly ContainerChange[]): ChangeLine[] {
  return changes.map((c) => ({ mark: marks[c.Kind] ?? 'C', path: c.Path }));
}
