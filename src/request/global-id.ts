/**
 * Ids from outside: a GraphQL global id (Relay's base64 `Type:id`) or a plain
 * Upsales id, checked against the type it must name. Filters, lookups and
 * writes all take ids this way.
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import { BadUserInputError } from './errors.js';
import { preview } from './input-text.js';

/** A GraphQL global id (or a plain Upsales id) as the upstream id. */
export function upstreamId(value: string, typeName: string, what: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(value);
  } catch {
    throw new BadUserInputError(`${what}: ${preview(value)} is not a valid id`);
  }
  if (decoded.typename !== typeName || !/^\d+$/.test(decoded.id)) {
    throw new BadUserInputError(`${what}: ${preview(value)} is not the id of a ${typeName}`);
  }
  return Number(decoded.id);
}
