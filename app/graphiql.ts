/**
 * GraphiQL as the gateway serves it: the whole page (script, styles and
 * editor workers) comes from @graphql-yoga/render-graphiql, so a browser
 * needs no host but the gateway; the editor opens with {@link FIRST_QUERY}
 * until the user has tabs of their own (kept in the browser's storage).
 * That bundle is loaded when the page is first asked for, not at start:
 * it holds about 40 MB of memory, which a gateway nobody opens GraphiQL on
 * never spends.
 */
import type { GraphiQLOptions } from 'graphql-yoga';

let rendered: Promise<string> | undefined;

/** The page (yoga's `renderGraphiQL`), rendered once: its options never change. */
export function renderGraphiQL(options: GraphiQLOptions): Promise<string> {
  rendered ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL: render }) => render(options));
  return rendered;
}

/** The example the editor opens with. */
export const FIRST_QUERY = `# Send your Upsales username and password as HTTP Basic
# credentials (Headers, below), or run the gateway with
# UPSALES_USERNAME / UPSALES_PASSWORD set.
query FirstQuery {
  me { name email role { name } }
  clients(first: 5, orderBy: [{ field: name }]) {
    totalCount
    nodes {
      name
      contacts(first: 3) { nodes { name email } }
      orders(first: 3) {
        nodes {
          description value
          rows { quantity product { name } }
        }
      }
    }
  }
  rateLimit { limit used remaining queued }
}
`;

export const GRAPHIQL_OPTIONS: GraphiQLOptions = { title: 'upsales-graphql', defaultQuery: FIRST_QUERY };
