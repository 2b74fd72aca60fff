/**
 * The order of rooms. {@link FLOORS} lists every room of the repository, top
 * to bottom, in the order a request meets them; a file may import files of
 * its own room and of rooms on lower floors, never of a room on its floor or
 * above, and never `src/simulator` unless it is a test or a benchmark (the
 * embedded service and the gateway share `src/contract` and nothing else).
 * No import circle among files either. Every import counts, however it is
 * written: `import ... from`, a bare `import '...'`, `export ... from`,
 * `import type`, `import('...')` (dynamic, or an inline type), `require`,
 * `declare module '...'`, in either quote style: the TypeScript parser reads
 * them all (the fixture at the end shows each form caught).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every room, top to bottom; rooms on one floor do not import each other. */
const FLOORS: readonly (readonly string[])[] = [
  ['bench'], // npm run bench: stacks as the tests start them
  ['test'], // the tests and their helpers
  ['examples'], // the example frontend; its codegen reads the directives the gateway serves
  ['app/cli'], // npm run import, npm run persisted
  ['app'], // npm start: main, run-gateway, the HTTP server, the request's context, GraphiQL, CORS
  ['app/plugins', 'app/routes'], // the yoga plugins, one concern each; the import HTTP routes
  ['schema'], // the Pothos schema: types and resolve functions
  ['cost'], // the call estimate of an operation, before it runs
  ['resolvers'], // per-request loaders and the level scheduler, paging, criteria, the write engine
  ['src/shared-state'], // what processes share, in memory or in Redis, chosen at start-up
  ['src/shared-state/redis'], // every Redis piece: connections, scripts, budget windows, kept reads, the job bus
  ['src/metrics'], // the Prometheus series
  ['src/changes'], // the change feed: one per account, polled within a share of its budget, told to whoever may see
  ['src/import/jobs'], // import jobs: the service, runners, reconciliation, lookups
  ['src/import/bus', 'src/import/readers'], // jobs as every process sees them; CSV and JSONL read as records
  ['src/import/store/engine'], // the job store's engine, chosen once at start-up (DATABASE_URL or DATA_DIR)
  ['src/import/store/sqlite', 'src/import/store/postgres'], // the two engines of the job store
  ['src/import/store'], // the job store's interface, jobs and their rows, leases, and how owners are named
  ['src/write'], // the write path mutations and imports share
  ['src/request'], // the request's own concerns: credentials, call ceiling, errors, input rules, global ids
  ['src/config'], // the environment, read once
  ['src/upstream'], // the SOAP adapter
  ['src/budget', 'src/cache'], // an account's call budget; where read answers are kept
  ['src/account'], // how an account is named
  ['src/log'], // the log
  ['src/simulator'], // the embedded Upsales service
  ['src/contract'], // the kinds table and the wire: what the simulator and the gateway share
];

/** Rooms only these rooms may import. */
const SEALED: Record<string, readonly string[]> = { 'src/simulator': ['test', 'bench'] };

const ROOMS = FLOORS.flat();
const floorOf = new Map(FLOORS.flatMap((rooms, floor) => rooms.map((room) => [room, floor] as const)));

/** The room of a path relative to the root: the longest room that holds it; undefined when none does. */
export function roomOf(path: string): string | undefined {
  return ROOMS.filter((room) => path.startsWith(`${room}/`)).sort((a, b) => b.length - a.length)[0];
}

export type ImportForm = 'from' | 'bare' | 're-export' | 'type-only' | 'dynamic' | 'inline type' | 'require' | 'module augmentation';

export interface FoundImport { specifier: string; form: ImportForm }

/** Every module a source text names, and how. */
export function importsIn(text: string): FoundImport[] {
  const file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const found: FoundImport[] = [];
  const add = (node: ts.Node | undefined, form: ImportForm) => {
    if (node && ts.isStringLiteralLike(node)) found.push({ specifier: node.text, form });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node.moduleSpecifier, !node.importClause ? 'bare' : node.importClause.isTypeOnly ? 'type-only' : 'from');
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, 're-export');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, 'inline type');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], 'dynamic');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      add(node.arguments[0], 'require');
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name, 'module augmentation');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, 'require');
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** An import of `from` (a path relative to the root) that breaks the order of rooms, said in words; null when it keeps it. */
export function breach(from: string, to: string): string | null {
  const [a, b] = [roomOf(from), roomOf(to)];
  if (!a) return `${from} is in no room of FLOORS`;
  if (!b) return `${from} imports ${to}, which is in no room of FLOORS`;
  if (a === b) return null;
  if (SEALED[b] && !SEALED[b].includes(a)) return `${from} (${a}) imports ${to} (${b}), which only ${SEALED[b].join(' and ')} may import`;
  if (floorOf.get(a)! < floorOf.get(b)!) return null;
  return `${from} (${a}) imports ${to} (${b}), which is ${floorOf.get(a) === floorOf.get(b) ? 'on its floor' : 'above it'}`;
}

/** Relative imports of each file as paths relative to the root (`.js` read as the `.ts` it is compiled from), with their form. */
function relativeImports(file: string, text: string): { to: string; form: ImportForm }[] {
  return importsIn(text).filter(({ specifier }) => specifier.startsWith('.')).map(({ specifier, form }) => ({
    to: relative(ROOT, resolve(dirname(join(ROOT, file)), specifier.replace(/\.js$/, '.ts'))),
    form,
  }));
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.([cm]?[jt]s|tsx)$/.test(path) ? [relative(ROOT, path)] : [];
  });
}

/** Every circle found by a depth-first walk, one per back edge, as paths. */
function circles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const TOP_FOLDERS = [...new Set(ROOMS.map((room) => room.split('/')[0]))];
const files = TOP_FOLDERS.flatMap((folder) => sourceFiles(join(ROOT, folder)));
const known = new Set(files);
const edges = files.map((file) => ({ file, imports: relativeImports(file, readFileSync(join(ROOT, file), 'utf8')).filter(({ to }) => known.has(to)) }));
const fileGraph = new Map(edges.map(({ file, imports }) => [file, new Set(imports.map(({ to }) => to))]));

describe('the order of rooms', () => {
  it('reads every source folder, bench/ and examples/ included', () => {
    expect(files.length).toBeGreaterThan(250);
    for (const folder of ['app', 'schema', 'cost', 'resolvers', 'src', 'test', 'bench', 'examples']) {
      expect(files.some((file) => file.startsWith(`${folder}/`)), folder).toBe(true);
    }
    expect(edges.reduce((sum, { imports }) => sum + imports.length, 0)).toBeGreaterThan(900);
  });

  it('resolves every relative import to a source file it reads (or to data: JSON, a page, a document): none escapes the walk', () => {
    const DATA = /\.(json|html|css|graphql|csv|txt)$/;
    const escaping = files.flatMap((file) => relativeImports(file, readFileSync(join(ROOT, file), 'utf8'))
      .filter(({ to }) => !known.has(to) && !(DATA.test(to) && existsSync(join(ROOT, to))))
      .map(({ to }) => `${file} -> ${to}`));
    expect(escaping).toEqual([]);
  });

  it('puts every source file in a room of FLOORS, and every room of FLOORS holds a file', () => {
    expect(files.filter((file) => !roomOf(file))).toEqual([]);
    expect(ROOMS.filter((room) => !files.some((file) => roomOf(file) === room))).toEqual([]);
  });

  it('has each file import only its own room and rooms below it', () => {
    expect(edges.flatMap(({ file, imports }) => imports.map(({ to }) => breach(file, to)).filter(Boolean))).toEqual([]);
  });

  it('has no circle among files', () => {
    expect(circles(fileGraph).map((circle) => circle.join(' -> '))).toEqual([]);
  });

  it('has no circle among top-level folders: each stands wholly above or below each other one', () => {
    const top = (file: string) => file.split('/')[0];
    const graph = new Map<string, Set<string>>(TOP_FOLDERS.map((folder) => [folder, new Set()]));
    for (const [file, deps] of fileGraph) for (const dep of deps) if (top(dep) !== top(file)) graph.get(top(file))!.add(top(dep));
    expect(circles(graph).map((circle) => circle.join(' -> '))).toEqual([]);
  });
});

describe('the check itself', () => {
  /** One file of src/contract (the bottom) importing app/server.ts (the top) in every form there is. */
  const FIXTURE = [
    `import { startGateway } from '../../app/server.js';`,
    `import "../../app/server.js";`,
    `export { createGateway } from "../../app/server.js";`,
    `import type { RunningGateway } from '../../app/server.js';`,
    `const server = await import('../../app/server.js');`,
    `type Gateway = import("../../app/server.js").RunningGateway;`,
    `const legacy = require('../../app/server.js');`,
    `declare module '../../app/server.js' { interface RunningGateway { extra: true } }`,
  ].join('\n');

  it('catches each form of import, in either quote style, against the order', () => {
    const found = relativeImports('src/contract/fixture.ts', FIXTURE);
    expect(found.map(({ form }) => form)).toEqual(['from', 'bare', 're-export', 'type-only', 'dynamic', 'inline type', 'require', 'module augmentation']);
    for (const { to } of found) expect(to).toBe('app/server.ts');
    expect(found.map(({ to }) => breach('src/contract/fixture.ts', to))).toEqual(found.map(() =>
      'src/contract/fixture.ts (src/contract) imports app/server.ts (app), which is above it'));
  });

  it('refuses a room on the same floor, the simulator outside tests, and a file in no room', () => {
    expect(breach('app/plugins/use-x.ts', 'app/routes/y.ts')).toMatch(/on its floor/);
    expect(breach('src/upstream/x.ts', 'src/simulator/store.ts')).toMatch(/only test and bench may import/);
    expect(breach('src/simulator/x.ts', 'src/upstream/types.ts')).toMatch(/above it/);
    expect(breach('test/x.test.ts', 'src/simulator/store.ts')).toBeNull();
    expect(breach('tools/x.ts', 'src/contract/kinds.ts')).toMatch(/in no room/);
    expect(breach('src/request/x.ts', 'src/contract/kinds.ts')).toBeNull();
  });
});
