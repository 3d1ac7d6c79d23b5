import { systemClock } from '../../clock';
/**
 * The fleet registry in process memory: what the embedded default (no Redis)
 * uses, shared by the instances of one process that share a store or
 * database, and kept apart from unrelated ones (tests) by that scope.
 */
import { LOST_RETENTION_MS, decodeInstanceRecord, encodeInstanceRecord } from '../../fleet/instance-record';
import type { Clock, InstanceRegistry } from '../../ports';

const registries = new WeakMap<object, Map<string, string>>();

export function createMemoryInstanceRegistry(scope: object = {}, clock: Clock = systemClock): InstanceRegistry {
  let records = registries.get(scope);
  if (!records) {
    records = new Map();
    registries.set(scope, records);
  }
  const shared = records;
  return {
    async put(record) {
      // Through the wire format, as Redis would hold it: no reader shares the writer's object.
      shared.set(record.instanceId, encodeInstanceRecord(record));
    },
    async remove(instanceId) {
      shared.delete(instanceId);
    },
    async list() {
      const now = clock.now();
      const listed = [];
      for (const [id, raw] of shared) {
        const record = decodeInstanceRecord(raw);
        if (!record || record.heartbeatAt + record.ttlMs + LOST_RETENTION_MS < now) shared.delete(id);
        else listed.push(record);
      }
      return listed;
    },
  };
}
