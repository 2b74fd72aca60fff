/**
 * The one Pothos builder: its context and scalar types and plugins. No
 * definitions here: every domain lives in its own file under schema/.
 */
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import { KINDS } from '../src/contract/kinds.js';
import type { GatewayContext } from './context.js';
import { BadUserInputError } from '../src/request/errors.js';
import { preview } from '../src/request/input-text.js';

const NODE_TYPES = new Set<string>(Object.values(KINDS).map((kind) => kind.typeName));

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  DefaultFieldNullability: true;
  /** What every connection resolver returns besides its page (resolvers/paging.ts): the count, when the selection reads it. */
  Connection: { totalCount: number | undefined };
  Scalars: {
    ID: { Input: string; Output: string | number };
    DateTime: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    Time: { Input: string; Output: string };
    /** An upload (GraphQL multipart request spec), served by graphql-yoga as a WHATWG File. */
    File: { Input: File; Output: never };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [RelayPlugin, DataloaderPlugin],
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: true,
    // Lookups by id, sent with the other lookups of their kinds: for the call estimate.
    nodeQueryOptions: { extensions: { cost: { type: 'lookup', arg: 'id' } } },
    nodesQueryOptions: { extensions: { cost: { type: 'lookup', arg: 'ids' } } },
    // A malformed id is the caller's mistake: BAD_USER_INPUT, not an error without a code.
    decodeGlobalID: (globalID: string) => {
      let decoded: { typename: string; id: string };
      try {
        decoded = decodeGlobalID(globalID);
      } catch {
        throw new BadUserInputError(`${preview(globalID)} is not a valid id`);
      }
      if (!NODE_TYPES.has(decoded.typename)) throw new BadUserInputError(`${preview(globalID)} is not the id of any node`);
      return decoded;
    },
  },
});

builder.queryType({ description: 'Upsales CRM, read through the gateway. Every field costs SOAP calls from your account\'s shared budget: see `rateLimit`.' });
