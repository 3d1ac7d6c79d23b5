/**
 * Public API of `@rtv/audit`: the port, the Postgres and in-memory emitters,
 * verification, queries and the sinks. Nothing else is exported.
 */
export type { AuditClock, AuditEmitter, AuditEventInput, AuditRecord, EmitOptions } from './ports';
export { systemAuditClock } from './ports';
export { errorFields, silentLogger, type LogMethod, type Logger } from './logger';
export { AuditValidationError, isAuditValidationError } from './errors';
export { canonicalJson } from './canonical-json';
export {
  GENESIS_HASH,
  hashRecord,
  newAuditId,
  verifyRecordChain,
  type ChainBreak,
  type HashedFields,
} from './hash-chain';
export {
  AUDIT_LIMITS,
  encodeUnstorable,
  isStorableText,
  validateAuditEvent,
  type ValidAuditEvent,
} from './validate-event';
export {
  createAuditEmitter,
  isTransactionalAuditEmitter,
  type AuditEmitterOptions,
  type PostgresAuditEmitter,
} from './postgres-emitter';
export { createMemoryAuditEmitter, type MemoryAuditEmitter, type MemoryAuditEmitterOptions } from './memory-emitter';
export { verifyAuditChain, type VerifyAuditChainOptions, type VerifyAuditChainResult } from './verify-chain';
export { queryAudit, type AuditPage, type AuditQuery } from './query-audit';
export { auditRecordToJson, type AuditRecordJson, type AuditSink } from './sinks/sink';
export type { DeliveryOptions } from './sinks/sink-dispatcher';
export type { BackoffOptions } from '@rtv/db';
export { createLogSink, type LogSinkOptions, type StructuredLogger } from './sinks/log-sink';
export {
  createJsonlFileSink,
  type JsonlFileSinkOptions,
  type JsonlRotationOptions,
} from './sinks/jsonl-file-sink';
export {
  createWebhookSink,
  summarizeRecords,
  WebhookDeliveryError,
  type WebhookPayload,
  type WebhookSinkOptions,
} from './sinks/webhook-sink';
