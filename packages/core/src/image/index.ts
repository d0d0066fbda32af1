export * from './media-types.js';
export * from './json.js';
export * from './schemas.js';
export * from './config.js';
