/**
 * Public API of `@rtv/audit`: the port, the Postgres and in-memory emitters,
 * verification, queries, the sinks and the types their options name.
 * Internals (the sink dispatcher, hashing and canonical JSON, validation
 * helpers) are not exported; tests import them from their source files.
 */
export type { AuditClock, AuditEmitter, AuditEventInput, AuditRecord, EmitOptions } from './ports';
export { systemAuditClock } from './ports';
export { errorFields, silentLogger, type LogMethod, type Logger } from './logger';
export { AuditValidationError, isAuditValidationError } from './errors';
export { newAuditId } from './hash-chain';
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
  type AppendedRecords,
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
  WebhookDeliveryError,
  type WebhookPayload,
  type WebhookSinkOptions,
} from './sinks/webhook-sink';
export {
  checkpointKeyId,
  signCheckpoint,
  verifyCheckpointSignature,
  type AuditCheckpoint,
} from './checkpoints/checkpoint';
export {
  createFileCheckpointSink,
  createWebhookCheckpointSink,
  readCheckpointFile,
  type CheckpointSink,
} from './checkpoints/checkpoint-sinks';
export {
  createCheckpointSealer,
  type CheckpointSealer,
  type CheckpointSealerOptions,
} from './checkpoints/checkpoint-sealer';
export { verifyAgainstCheckpoints, type CheckpointVerdict } from './checkpoints/verify-checkpoints';
