export * from './config.js';
export * from './layout.js';
export * from './manifest.js';
export * from './object-store.js';
