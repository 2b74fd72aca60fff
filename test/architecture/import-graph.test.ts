/**
 * Rooms import downward only: no import circle among the gateway's files, and
 * none among its rooms (each folder of src/ and each file directly in it,
 * resolvers/, planner/, schema/); and src/, the bottom, imports nothing from
 * the rooms above it but in its composition root. Type-only imports count: a
 * circle of types is a circle of rooms all the same.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const ROOMS = ['src', 'resolvers', 'planner', 'schema'];
/** The files of src/ that wire the rooms above it into the process. */
const COMPOSITION_ROOT = ['src/server.ts', 'src/run-gateway.ts', 'src/main.ts'];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of a file, as absolute paths of .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'(\.[^']+)'/g)]
    .map((match) => resolve(dirname(file), match[1].replace(/\.js$/, '.ts')));
}

const roomOf = (file: string): string => {
  const parts = relative(ROOT, file).split('/');
  return parts[0] === 'src' && parts.length > 2 ? `src/${parts[1]}` : parts[0] === 'src' ? parts.join('/') : parts[0];
};

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

const files = ROOMS.flatMap((room) => sourceFiles(join(ROOT, room)));
const known = new Set(files);
const fileGraph = new Map(files.map((file) => [file, new Set(importsOf(file).filter((dep) => known.has(dep)))]));

describe('the import graph', () => {
  it('reads the rooms it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect([...fileGraph.values()].reduce((sum, deps) => sum + deps.size, 0)).toBeGreaterThan(300);
  });

  it('has no circle among files', () => {
    expect(circles(fileGraph).map((circle) => circle.map((file) => relative(ROOT, file)).join(' -> '))).toEqual([]);
  });

  it('has no circle among rooms: each imports only rooms below it', () => {
    const roomGraph = new Map<string, Set<string>>();
    for (const [file, deps] of fileGraph) {
      const from = roomOf(file);
      const edges = roomGraph.get(from) ?? new Set<string>();
      for (const dep of deps) if (roomOf(dep) !== from) edges.add(roomOf(dep));
      roomGraph.set(from, edges);
    }
    expect(circles(roomGraph).map((circle) => circle.join(' -> '))).toEqual([]);
  });

  it('has src/ import nothing from schema/, resolvers/ or planner/, but in its composition root', () => {
    const upward = [...fileGraph].flatMap(([file, deps]) => {
      const from = relative(ROOT, file);
      if (!from.startsWith('src/') || COMPOSITION_ROOT.includes(from)) return [];
      return [...deps].map((dep) => relative(ROOT, dep)).filter((to) => !to.startsWith('src/')).map((to) => `${from} -> ${to}`);
    });
    expect(upward).toEqual([]);
  });
});
