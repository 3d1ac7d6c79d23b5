export * from './errors';
export type * from './types';
export { systemClock, noopMetrics, type Authorizer, type AuthorizationRequest, type Clock, type Metrics } from './ports';
export * from './auto-trip/index';
