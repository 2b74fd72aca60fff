/**
 * The directives the gateway serves beyond those printed in schema.graphql:
 * @defer and @stream, as yoga's defer-stream plugin adds them, in SDL for
 * tools that read schema.graphql (GraphQL Codegen, `npm run persisted`).
 */
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, printSchema } from 'graphql';

export function servedDirectivesSdl(): string {
  const bare = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: { _: { type: GraphQLString } } }) });
  let served = bare;
  const onSchemaChange = useDeferStream().onSchemaChange as (payload: { schema: GraphQLSchema; replaceSchema(schema: GraphQLSchema): void }) => void;
  onSchemaChange({ schema: bare, replaceSchema: (schema) => { served = schema; } });
  const added = served.getDirectives().filter((directive) => !bare.getDirectives().includes(directive));
  return printSchema(new GraphQLSchema({ directives: added }));
}
