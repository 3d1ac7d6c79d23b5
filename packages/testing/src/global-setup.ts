/**
 * Vitest global setup of the integration project: finds the servers, builds
 * one migrated template database, and hands both to the test files through
 * `provide`. Each test file then clones the template into a database of its
 * own, so files run in parallel without seeing each other's rows.
 */
import type { TestProject } from 'vitest/node';
import { discoverServers } from './servers';
import { createTemplateDatabase, dropDatabase, dropLeftoverDatabases } from './template-database';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await discoverServers();
  let template = '';
  if (servers.databaseUrl) {
    await dropLeftoverDatabases(servers.databaseUrl);
    template = await createTemplateDatabase(servers.databaseUrl);
  }
  project.provide('databaseUrl', servers.databaseUrl);
  project.provide('templateDatabase', template);
  project.provide('redisUrl', servers.redisUrl);
  return async () => {
    if (template) await dropDatabase(servers.databaseUrl, template);
    await servers.stop();
  };
}
