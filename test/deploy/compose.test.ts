/**
 * deploy/compose.yaml, checked without Docker (which cannot run here): it
 * reads as YAML; it runs Redis, PostgreSQL (with a volume) and two gateway
 * replicas sharing both, each on its own port, keeping nothing on their own
 * disk; and each gateway sets only
 * variables the README's configuration table documents, which the
 * gateway's own configuration accepts, so the file and the README stay in
 * step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { parseYaml, type YamlValue } from '../helpers/mini-yaml.js';

type Service = { build?: { context: string; dockerfile: string }; image?: string; environment?: Record<string, string>; ports?: string[]; volumes?: string[]; depends_on?: string[] };
const compose = parseYaml(readFileSync('deploy/compose.yaml', 'utf8')) as { services: Record<string, Service>; volumes: Record<string, null> };
const gateways = Object.entries(compose.services).filter(([, service]) => service.build);

/** The variables the README's configuration tables name (first cell of each row of the "Configuration" section). */
function documented(): Set<string> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration\n') + 1));
  const names = section.split('\n').filter((line) => line.startsWith('| `')).flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
  return new Set(names);
}

describe('deploy/compose.yaml', () => {
  it('runs Redis, PostgreSQL and two gateway replicas built from deploy/Dockerfile, each on its own port, the jobs in PostgreSQL\'s volume', () => {
    expect(compose.services.redis.image).toMatch(/^redis:/);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    expect(compose.services.postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes)).toEqual(['postgres-data']);
    expect(gateways.map(([name]) => name)).toHaveLength(2);
    for (const [, gateway] of gateways) {
      expect(gateway.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      expect(gateway.depends_on).toEqual(['redis', 'postgres']);
      // Nothing a replica keeps is its own: its jobs are in PostgreSQL.
      expect(gateway.volumes).toBeUndefined();
    }
    const ports = gateways.map(([, gateway]) => gateway.ports![0].split(':')[0]);
    expect(new Set(ports).size).toBe(2);
    expect(readFileSync('deploy/Dockerfile', 'utf8')).toMatch(/^CMD \["node", "--import", "tsx", "app\/main\.ts"\]$/m);
  });

  it('sets in each gateway only variables the README\'s configuration table documents, with values the gateway accepts', () => {
    const known = documented();
    expect(known.has('PORT')).toBe(true);
    for (const [name, gateway] of gateways) {
      const env = gateway.environment!;
      const undocumented = Object.keys(env).filter((variable) => !known.has(variable));
      expect(undocumented, `${name} sets variables the README does not document`).toEqual([]);
      // Compose fills ${NAME:?message} from its environment: a sample value here.
      const config = configFromEnv(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'sample-secret-0123456789')])));
      expect(config.redisUrl).toBe('redis://redis:6379/0');
      expect(config.jobs.databaseUrl).toBe(`postgres://upsales:sample-secret-0123456789@postgres:5432/imports`);
      expect(new URL(config.jobs.databaseUrl!).password).toBe(compose.services.postgres.environment!.POSTGRES_PASSWORD.replace(/\$\{[A-Z_]+:\?[^}]*\}/g, 'sample-secret-0123456789'));
      expect(config).toMatchObject({ budgetCalls: 45, interactiveReserve: 5, fallbackCalls: 11, host: '0.0.0.0' });
      // no default account: anonymous requests are refused, so listening on every interface gives nobody the CRM
      expect(config.defaultCredentials).toBeUndefined();
    }
  });
});

describe('the YAML reader', () => {
  it('reads the subset and refuses the rest by line', () => {
    const text = 'a: 1 # note\nb:\n  c: "x # y"\n  d: [\"p\", \"q\"]\ne:\n  - one\n  - \'two\'\nf:\n';
    expect(parseYaml(text)).toEqual({ a: '1', b: { c: 'x # y', d: ['p', 'q'] }, e: ['one', 'two'], f: null } satisfies YamlValue);
    expect(() => parseYaml('a: &anchor 1\nb: *anchor\n')).toThrow(/line 1/);
    expect(() => parseYaml('a:\n  <<: *base\n')).toThrow(/line 2/);
    expect(() => parseYaml('a: |\n  text\n')).toThrow(/line 1/);
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow(/line 2: "a" appears twice/);
    expect(() => parseYaml('a:\n\tb: 1\n')).toThrow(/tabs/);
  });
});
