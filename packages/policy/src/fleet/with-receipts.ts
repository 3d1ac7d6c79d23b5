/**
 * The service's write commands with the fleet's duties around them: a
 * receipt started after each change (in the background: the answer is not
 * held), and the reserved drill action refused on create.
 */
import type { SwitchCommands } from '../write/switch-commands';
import { assertNotReserved } from './drill-action';
import type { FleetPart } from './fleet';

export function withReceipts(commands: SwitchCommands, fleet: Pick<FleetPart, 'afterWrite'>): SwitchCommands {
  const started = <T>(promise: Promise<T> | undefined) => {
    // Recorded (or reported) by the fleet part itself; nobody need await it.
    promise?.catch(() => {});
  };
  return {
    ...commands,
    async create(input) {
      assertNotReserved(input);
      return commands.create(input);
    },
    async ensure(input) {
      assertNotReserved(input);
      return commands.ensure(input);
    },
    async activate(input) {
      const result = await commands.activate(input);
      started(fleet.afterWrite([result], 'activate'));
      return result;
    },
    async activateMany(inputs) {
      const results = await commands.activateMany(inputs);
      started(fleet.afterWrite(results, 'activate'));
      return results;
    },
    async deactivate(input) {
      const result = await commands.deactivate(input);
      started(fleet.afterWrite([result], 'deactivate'));
      return result;
    },
  };
}
