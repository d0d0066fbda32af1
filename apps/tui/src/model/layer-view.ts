import type { TreeLine } from './layer-tree.js';

/** How the Layers tab's file tree is narrowed and ordered. */
export interface LayerViewOptions {
  /** Words every shown path contains (case-insensitive); empty shows all. */
  filter: string;
  /** Hide what the selected layer did not change (the aggregated tree's unchanged entries). */
  hideUnchanged: boolean;
  sort: 'name' | 'size';
}

/** The options the Layers tab starts with. */
export const defaultLayerView: LayerViewOptions = { filter: '', hideUnchanged: false, sort: 'name' };

/** A tree line as the tab draws it: nested under its parent, or (filtered or sorted by size) with its full path. */
export interface ShownTreeLine extends TreeLine {
  /** What the line shows for its name: the name indented by depth, or the full path. */
  label: string;
}

/**
 * The file tree the Layers tab shows: filtered by path words, without unchanged entries when
 * asked, in tree order or largest first. A filtered or size-sorted list loses its tree shape,
 * so its lines carry their full path.
 */
export function shownTree(lines: readonly TreeLine[], options: LayerViewOptions): ShownTreeLine[] {
  const words = options.filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const kept = lines.filter((l) => (!options.hideUnchanged || !l.unchanged) && words.every((w) => l.path.toLowerCase().includes(w)));
  const flat = words.length > 0 || options.sort === 'size';
  const ordered = options.sort === 'size' ? [...kept].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1)) : kept;
  return ordered.map((l) => ({ ...l, label: flat ? `/${l.path.replace(/^\/+/, '')}` : `${'  '.repeat(l.depth)}${l.name}` }));
}
