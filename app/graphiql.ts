/**
 * GraphiQL as the gateway serves it: the whole page (script, styles and
 * editor workers) comes from @graphql-yoga/render-graphiql, so a browser
 * needs no host but the gateway; the editor opens with {@link FIRST_QUERY}
 * until the user has tabs of their own (kept in the browser's storage).
 */
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

export { renderGraphiQL };

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
