export * from './tar-header';
export * from './segment-errors';
export * from './segment-list';
export * from './segment-writer';
export * from './segment-reader';
