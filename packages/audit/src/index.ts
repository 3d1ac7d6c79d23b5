export type { AuditEmitter, AuditEventInput, AuditRecord, EmitOptions } from './ports';
