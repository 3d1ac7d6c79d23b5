/**
 * @rtv/openfeature: the kill switch as an OpenFeature server provider.
 *
 *   await OpenFeature.setProviderAndWait(new KillSwitchProvider({ service }));
 *   const mayPublish = await OpenFeature.getClient().getBooleanValue('allow.publish', false, { clientId, platform });
 */
export { KillSwitchProvider, type KillSwitchProviderOptions } from './kill-switch-provider';
export { DEFAULT_FLAG_PREFIX, actionOfFlag } from './flag-key';
export { checkContextOf } from './evaluation-context';
export { resolutionOf } from './resolution';
