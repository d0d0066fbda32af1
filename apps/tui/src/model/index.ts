export { ImageBrowser, detailTabs, type BrowserState, type DetailTab, type Loadable, type Panel, type ImageBrowserOptions } from './image-browser.js';
export { keymap, actionFor, bindingsFor, type Action, type KeyBinding, type KeyPress, type KeyStroke, type Scope } from './keymap.js';
export { imageRows, imageCells, imageColumns, splitRepoTag, type ImageRow } from './image-rows.js';
export { historyCells, historyColumns, historyTable, createdByWidth, minCreatedByWidth } from './history-rows.js';
