export * from './errors/index.js';
export * from './digest/index.js';
export * from './reference/index.js';
export * from './layer/index.js';
export * from './image/index.js';
export * from './lifecycle/index.js';
export * from './engine/index.js';
export * from './insight/index.js';
