/**
 * A migrated PGlite data directory shared by every test server: initdb runs once per migration set (the dump
 * is cached under the OS temp folder, keyed by the migrations' content and the PGlite version) instead of
 * once per server.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTemplate } from '../../src/db/pglite.db.ts';

const MIGRATIONS_DIR = path.join(import.meta.dirname, '../../src/db/migrations');
const PGLITE_PACKAGE = path.join(
  import.meta.dirname,
  '../../../node_modules/@electric-sql/pglite/package.json',
);

function cacheKey(): string {
  const hash = createHash('sha256').update(readFileSync(PGLITE_PACKAGE));
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file).update(readFileSync(path.join(MIGRATIONS_DIR, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

let cached: Promise<Blob> | null = null;

export function migratedTemplate(): Promise<Blob> {
  cached ??= (async () => {
    const file = path.join(tmpdir(), `callbridge-pglite-template-${cacheKey()}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const template = await createMigratedTemplate();
    // Write then rename: a parallel test process never reads a half-written dump.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await template.arrayBuffer()));
    renameSync(partial, file);
    return template;
  })();
  return cached;
}
