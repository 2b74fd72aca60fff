/** The GraphQL schema: imports every domain file, then builds. */
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

export const schema = builder.toSchema({ sortSchema: false });
