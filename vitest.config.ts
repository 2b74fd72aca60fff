import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files whose bounds are about the machine's own time or memory (a real
 * user answered within 1 s under a flood, /healthz and RSS while 2,000
 * streams are held, RSS under a soak, replicas' elapsed time against the
 * budget's least): they run after the rest, one at a time, so that another
 * test file's gateways do not share their two cores.
 */
const ALONE = [
  'test/edge/hostile-load.test.ts',
  'test/edge/stream-caps.test.ts',
  'test/edge/soak.test.ts',
  'test/gateway/replicas.test.ts',
  'test/import/import-replicas.test.ts',
  'test/changes/changes.test.ts',
];

export default defineConfig({
  resolve: {
    // Vite would resolve graphql's "module" build while the libraries (run by
    // Node) load its CommonJS main: two graphql realms. Use Node's choice.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE] } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
