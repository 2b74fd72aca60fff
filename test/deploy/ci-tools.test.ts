/**
 * What .ci/run installs is what the tests use: the servers the tests start
 * of their own (redis-server, redis-cli for a cluster, PostgreSQL's initdb
 * and pg_ctl), and test/helpers/postgres-bin.ts finds PostgreSQL's programs
 * where Debian's package puts them, also when they are not on PATH.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postgresBin, postgresBinDirs } from '../helpers/postgres-bin.js';

const ciRun = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');

describe('.ci/run', () => {
  it('installs, when missing, every Debian package whose programs the tests start', () => {
    for (const [check, pkg] of [
      ['command -v redis-server', 'redis-server'], ['command -v redis-cli', 'redis-tools'], ['has_postgres_server', 'postgresql'],
      ["import zeep'", 'python3-zeep'], ['/usr/bin/chromium', 'chromium'],
    ]) {
      expect(ciRun).toContain(check);
      expect(ciRun).toMatch(new RegExp(`\\|\\| missing\\+=\\(${pkg}\\)`));
    }
    expect(ciRun).toMatch(/apt-get install -y -qq "\$\{missing\[@\]\}"/);
  });
});

describe('postgresBin', () => {
  it('finds initdb and pg_ctl on PATH, and in Debian\'s /usr/lib/postgresql/<version>/bin when PATH lacks them', () => {
    for (const name of ['initdb', 'pg_ctl'] as const) {
      const found = postgresBin(name);
      expect(execFileSync(found, ['--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^${name} \\(PostgreSQL\\) \\d+`));
      const withoutPath = postgresBin(name, { PATH: '/nonexistent' });
      expect(withoutPath).toMatch(new RegExp(`^/usr/lib/postgresql/\\d+(\\.\\d+)?/bin/${name}$`));
    }
    expect(postgresBinDirs({ PATH: '/a:/b' }).slice(0, 2)).toEqual(['/a', '/b']);
  });

  it('says what to install when PostgreSQL is nowhere', () => {
    expect(() => postgresBin('initdb', { PATH: '/nonexistent' }, '/nonexistent-root')).toThrow(/initdb was found neither on PATH nor in \/nonexistent-root\/<version>\/bin: install the server \(Debian: apt-get install postgresql\)/);
  });
});
