/**
 * A receipt as the operator reads it: "stopped on 40/40 instances, p99 42 ms",
 * and one line per instance that did not confirm, in red on a terminal.
 */
import type { FleetReceipt } from '@rtv/policy';
import type { Palette } from './color';
import { formatDuration } from './time';

export function receiptLines(receipt: FleetReceipt, verb: string, palette: Palette, now: number): string[] {
  const counts = `${receipt.applied}/${receipt.expected} instance${receipt.expected === 1 ? '' : 's'}`;
  if (!receipt.registryAnswered) {
    return [
      palette.red(
        `${verb}: not confirmed: the fleet registry (Redis) did not answer within ${formatDuration(receipt.waitedMs)}`,
      ),
    ];
  }
  if (receipt.expected === 0) return [`${verb} on 0 instances: no service instance is registered (none running?)`];
  const timing = receipt.p99Ms === null ? '' : `, p99 ${receipt.p99Ms} ms, max ${receipt.maxMs} ms`;
  const head = `${verb} on ${counts}${timing}`;
  if (receipt.complete) return [palette.green(head)];
  return [
    palette.red(`${head}; ${receipt.unconfirmed.length} did not confirm within ${formatDuration(receipt.waitedMs)}:`),
    ...receipt.unconfirmed.map((u) =>
      palette.red(
        `  ${u.instanceId}  ${u.serviceName} on ${u.host} pid ${u.pid}: ${u.state}, at version ${u.version}, ${u.health}, last heard ${formatDuration(Math.max(0, now - u.heartbeatAt))} ago`,
      ),
    ),
  ];
}
