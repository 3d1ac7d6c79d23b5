export {
  availableBackends,
  createTestDatabase,
  postgresAvailable,
  type Backend,
  type TestDatabase,
} from './test-database';
export {
  createTestRedis,
  deleteKeysWithPrefix,
  failFastRedisOptions,
  testRedisTarget,
  testRedisUrl,
  uniqueKeyPrefix,
} from './test-redis';
export { createTcpProxy, viaProxy, type ProxyMode, type TcpProxy } from './tcp-proxy';
export { waitFor } from './wait-for';
export { runNode, type NodeRun } from './run-node';
