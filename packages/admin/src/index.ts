/**
 * Public API of `@rtv/admin`: the server and the plugin, tokens, triggers and
 * their signature, identities and the release policy's options.
 */
export { createAdminServer, API_PREFIX } from './server/create-admin-server';
export { adminPlugin, type AdminPluginOptions } from './server/admin-plugin';
export {
  DEFAULT_REASON_CODES,
  type AdminServerOptions,
  type ReleasePolicyOptions,
  type TriggerOptions,
  type TrustedProxyOptions,
} from './server/admin-options';
export { ADMIN_AUDIT_TYPES } from './server/audit-types';
export { AdminHttpError, type AdminErrorCode } from './errors';
export { actorFor, coversClient, hasRight, type AdminRole, type Identity, type Right } from './identity/identity';
export { createIdentityAuthorizer, type IdentityAuthorizerOptions } from './identity/identity-authorizer';
export {
  createApiToken,
  identityFromToken,
  listApiTokens,
  revokeApiToken,
  type CreateTokenInput,
  type TokenSummary,
} from './identity/tokens';
export {
  createTrigger,
  listTriggers,
  revokeTrigger,
  type CreateTriggerInput,
  type TriggerSummary,
} from './triggers/triggers';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER, signTriggerPayload, triggerHeaders } from './triggers/signature';
export { BYPASS_EXPIRY_ACTOR } from './release/bypass';
