/** Audit record types the control plane writes (the service writes the switch transitions). */
export const ADMIN_AUDIT_TYPES = {
  accessDenied: 'ADMIN_ACCESS_DENIED',
  releaseRequested: 'KILL_SWITCH_RELEASE_REQUESTED',
  releaseApproved: 'KILL_SWITCH_RELEASE_APPROVED',
  releaseRefused: 'KILL_SWITCH_RELEASE_REFUSED',
  releaseExpired: 'KILL_SWITCH_RELEASE_EXPIRED',
  bypassed: 'KILL_SWITCH_BYPASSED',
  bypassEnded: 'KILL_SWITCH_BYPASS_ENDED',
  triggerFired: 'TRIGGER_FIRED',
  triggerRefused: 'TRIGGER_REFUSED',
  triggerCreated: 'TRIGGER_CREATED',
  triggerRevoked: 'TRIGGER_REVOKED',
  tokenCreated: 'API_TOKEN_CREATED',
  tokenRevoked: 'API_TOKEN_REVOKED',
  checkpointSealed: 'AUDIT_CHECKPOINT_SEALED',
} as const;
