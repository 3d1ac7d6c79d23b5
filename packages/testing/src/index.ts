export {
  availableBackends,
  createTestDatabase,
  postgresAvailable,
  type Backend,
  type TestDatabase,
} from './test-database';
export { createTestRedis, deleteKeysWithPrefix, testRedisUrl, uniqueKeyPrefix } from './test-redis';
export { discoverServers, postgresAnswers, redisAnswers } from './servers';
