/**
 * The Pothos types the schema files share: the builder's schema types, its
 * field builders by the shape of a field's parent, and the field refs they
 * make. Helpers take these rather than `any`.
 */
import type { ArgBuilder } from '@pothos/core';
import type { builder } from './builder.js';

export type Types = typeof builder.$inferSchemaTypes;

export type ObjectFields<Parent> = PothosSchemaTypes.ObjectFieldBuilder<Types, Parent>;
export type QueryFields = PothosSchemaTypes.QueryFieldBuilder<Types, Types['Root']>;
export type MutationFields = PothosSchemaTypes.MutationFieldBuilder<Types, Types['Root']>;
export type InputFields = PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>;
export type Args = ArgBuilder<Types>;

export type ObjectField = PothosSchemaTypes.FieldRef<Types, unknown, 'Object'>;
export type QueryField = PothosSchemaTypes.FieldRef<Types, unknown, 'Query'>;
export type MutationField = PothosSchemaTypes.FieldRef<Types, unknown, 'Mutation'>;
export type InputField = PothosSchemaTypes.InputFieldRef<Types, unknown>;
