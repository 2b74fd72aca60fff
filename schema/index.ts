/** The GraphQL schema: imports every domain file, then builds. */
import { GraphQLLiveDirective } from '@envelop/live-query';
import { specifiedDirectives } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './node-refs.js';
import './structs.js';
import './metadata-refs.js';
import './custom-fields.js';
import './connections.js';
import './nodes.js';
import './root.js';
import './metadata.js';
import './viewer.js';
import './mutations.js';
import './imports.js';
import './changes.js';

// @live (app/plugins/use-live-queries.ts) is part of the schema, so introspection, GraphiQL and codegen know it.
export const schema = builder.toSchema({ sortSchema: false, directives: [...specifiedDirectives, GraphQLLiveDirective] });
