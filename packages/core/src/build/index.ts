export * from './shell-lex.js';
export * from './dockerfile-parser.js';
export * from './dockerignore.js';
