/**
 * Where the machine's PostgreSQL server programs are (`initdb`, `pg_ctl`,
 * `postgres`), for tests that start a PostgreSQL of their own on a
 * temporary directory: on PATH, else in Debian's
 * `/usr/lib/postgresql/<version>/bin` (package `postgresql`, which puts
 * only client wrappers on PATH), the newest version first.
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const DEBIAN_ROOT = '/usr/lib/postgresql';

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The directories searched, in order: PATH, then Debian's per-version bin directories, newest first. */
export function postgresBinDirs(env: NodeJS.ProcessEnv = process.env, root = DEBIAN_ROOT): string[] {
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // no Debian PostgreSQL packages
  }
  return [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...versions.map((version) => join(root, version, 'bin'))];
}

/**
 * The full path of PostgreSQL's program `name` (`initdb`, `pg_ctl`,
 * `postgres`); throws, saying what to install, when there is none.
 * `env` and `root` (where Debian's versions are) for its own test.
 */
export function postgresBin(name: 'initdb' | 'pg_ctl' | 'postgres' | 'psql', env: NodeJS.ProcessEnv = process.env, root = DEBIAN_ROOT): string {
  for (const dir of postgresBinDirs(env, root)) {
    const path = join(dir, name);
    if (executable(path)) return path;
  }
  throw new Error(`PostgreSQL's ${name} was found neither on PATH nor in ${root}/<version>/bin: install the server (Debian: apt-get install postgresql)`);
}
