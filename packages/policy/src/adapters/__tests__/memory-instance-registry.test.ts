/** The InstanceRegistry contract on the in-process registry; each registry in a scope of its own. */
import { createMemoryInstanceRegistry } from '../memory/memory-instance-registry';
import { instanceRegistryContract } from './instance-registry.contract';

instanceRegistryContract('memory', async () => createMemoryInstanceRegistry({}));
