export * from './kill-switches';
export * from './audit';
export * from './incidents';
export * from './control-plane';
