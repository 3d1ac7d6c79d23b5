/**
 * `rtv-ks incidents`: incidents opened by auto-trips and operators
 * (placeholder until the incident service lands in @rtv/policy).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../command-context';

export function registerIncidents(_program: Command, _ctx: CommandContext): void {}
