/**
 * The same packages from CommonJS (`require`, types from the .d.cts files):
 * every entry loads and exposes its main functions.
 */
import audit = require('@rtv/audit');
import cli = require('@rtv/cli');
import db = require('@rtv/db');
import pglite = require('@rtv/db/pglite');
import http = require('@rtv/http');
import policy = require('@rtv/policy');

const entries: Record<string, unknown[]> = {
  '@rtv/db': [db.createDb, db.migrate, db.isEmbeddedDatabaseLockedError],
  '@rtv/db/pglite': [pglite.createEmbeddedDb],
  '@rtv/audit': [audit.createAuditEmitter, audit.verifyAuditChain, audit.createMemoryAuditEmitter],
  '@rtv/policy': [policy.createKillSwitchService, policy.createRoleAuthorizer],
  '@rtv/http': [http.createHealthHandler, http.createMetricsHandler, http.registerKillSwitchMetrics],
  '@rtv/cli': [cli.runCli],
};
for (const [name, exported] of Object.entries(entries)) {
  if (!exported.every((value) => typeof value === 'function')) throw new Error(`require('${name}'): exports missing`);
  console.log(`  ok: require('${name}')`);
}
// The migrations ship inside @rtv/db and are found from the CommonJS build too.
const { readMigrationFiles } = require('drizzle-orm/migrator') as typeof import('drizzle-orm/migrator');
const migrations = readMigrationFiles({ migrationsFolder: db.defaultMigrationsFolder });
if (migrations.length === 0) throw new Error('no migrations found from the CommonJS build');
console.log(`  ok: ${migrations.length} migrations found at ${db.defaultMigrationsFolder}`);
