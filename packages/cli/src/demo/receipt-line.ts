/**
 * The demo's receipt line after each change the operator makes: "tiktok
 * stopped on 2/2 instances in 12 ms", or the instances that did not confirm.
 * Its own helper, so the story only calls it.
 */
import type { FleetReceipt, KillSwitchService } from '@rtv/policy';
import type { LiveView } from './live-view';

export async function showReceipt(
  view: Pick<LiveView, 'event'>,
  operator: Pick<KillSwitchService, 'fleet'>,
  what: string,
  verb: 'stopped' | 'resumed',
): Promise<void> {
  let receipt: FleetReceipt;
  try {
    receipt = await operator.fleet.awaitReceipt();
  } catch (error) {
    // The story goes on: its own checks say whether the change took effect.
    view.event(`receipt: none for ${what} (${error instanceof Error ? error.message : String(error)})`);
    return;
  }
  const counts = `${receipt.applied}/${receipt.expected} instance${receipt.expected === 1 ? '' : 's'}`;
  if (receipt.complete) {
    view.event(
      `receipt: ${what} ${verb} on ${counts} in ${receipt.timeToHaltMs ?? 0} ms (recorded in the audit trail)`,
    );
    return;
  }
  const missing = receipt.unconfirmed.map((u) => `${u.serviceName} pid ${u.pid} (${u.state})`).join(', ');
  view.event(`receipt: ${what} ${verb} on ${counts} only; not confirmed: ${missing}`);
}
