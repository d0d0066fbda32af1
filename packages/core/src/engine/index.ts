export * from './ports.js';
export * from './api.js';
