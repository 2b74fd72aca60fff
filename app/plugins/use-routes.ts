/**
 * The gateway answers its own paths only. graphql-yoga serves GraphQL at any
 * URL that ends in its endpoint (`/graphql/`, `//graphql`, `/x?/graphql`),
 * where the plugins that check the exact path (body limits, the import
 * routes) would not see it: any other path is 404 here, before its body is
 * read, and the answer does not repeat the path.
 */
import type { Plugin } from 'graphql-yoga';

export function useRoutes(routes: (string | RegExp)[]): Plugin {
  const known = (path: string) => routes.some((route) => (typeof route === 'string' ? route === path : route.test(path)));
  return {
    onRequest({ url, fetchAPI, endResponse }) {
      if (known(url.pathname)) return;
      const body = { errors: [{ message: `Not found: the gateway serves GraphQL at ${routes[0]}`, extensions: { code: 'NOT_FOUND' } }] };
      endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 404, headers: { 'content-type': 'application/json; charset=utf-8' } }));
    },
  };
}
