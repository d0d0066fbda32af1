// @strata/core as a module of the command's build (dist/core-module.js), for the app bundle's lazy imports of it:
// the app is a bundle of its own and takes the engine's copy rather than one of its own (see tsup.config.ts).
export * from '@strata/core';
