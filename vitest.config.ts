import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Vite would resolve graphql's "module" build while the libraries (run by
    // Node) load its CommonJS main: two graphql realms. Use Node's choice.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
