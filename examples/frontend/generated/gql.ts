/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ClientCardLive($id: ID!) @live {\n  client(id: $id) {\n    id\n    name\n    phone\n  }\n}": typeof types.ClientCardLiveDocument,
    "query ClientCard($id: ID!) {\n  client(id: $id) {\n    id\n    ...ClientCardFields\n  }\n}\n\nfragment ClientCardFields on Client {\n  name\n  phone\n}": typeof types.ClientCardDocument,
    "subscription ClientChanges {\n  changes(kinds: [CLIENT]) {\n    kind\n    type\n    id\n    upsalesId\n    at\n    node {\n      ... on Client {\n        id\n        name\n        phone\n      }\n    }\n  }\n}": typeof types.ClientChangesDocument,
    "query ClientDetail($id: ID!) {\n  client(id: $id) {\n    id\n    name\n    orgNo\n    phone\n    webpage\n    accountManagers {\n      name\n      email\n    }\n    ...ClientRelations @defer(label: \"relations\")\n  }\n}\n\nfragment ClientRelations on Client {\n  contacts(first: 10) {\n    totalCount\n    nodes {\n      id\n      name\n      title\n      email\n    }\n  }\n  opportunities(first: 10) {\n    totalCount\n    nodes {\n      id\n      description\n      value\n      stage {\n        name\n      }\n    }\n  }\n}": typeof types.ClientDetailDocument,
    "query ClientList($first: Int = 20, $after: String, $filter: ClientFilter) {\n  clients(first: $first, after: $after, filter: $filter, orderBy: [{field: name}]) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      orgNo\n      phone\n      accountManagers {\n        name\n      }\n    }\n  }\n}": typeof types.ClientListDocument,
    "subscription ImportProgress($id: ID!) {\n  importProgress(id: $id) {\n    id\n    state\n    total\n    done\n    failed\n  }\n}": typeof types.ImportProgressDocument,
    "query PipelineBoard($perStage: Int = 10) {\n  orderStages {\n    id\n    name\n    probability\n    opportunities(first: $perStage, orderBy: [{field: value, direction: DESC}]) {\n      totalCount\n      nodes {\n        id\n        description\n        value\n        weightedValue\n        client {\n          name\n        }\n        user {\n          name\n        }\n      }\n    }\n  }\n}": typeof types.PipelineBoardDocument,
    "query RecentOrders($first: Int = 10) {\n  orders(first: $first, orderBy: [{field: date, direction: DESC}]) {\n    totalCount\n    nodes {\n      id\n      description\n      date\n      value\n      currency\n      client {\n        id\n        name\n      }\n      rows {\n        quantity\n        price\n        product {\n          name\n          category {\n            name\n          }\n        }\n      }\n    }\n  }\n}": typeof types.RecentOrdersDocument,
    "mutation UpdateClientPhone($id: ID!, $phone: String!) {\n  updateClient(id: $id, input: {phone: $phone}) {\n    status\n    client {\n      id\n      phone\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": typeof types.UpdateClientPhoneDocument,
};
const documents: Documents = {
    "query ClientCardLive($id: ID!) @live {\n  client(id: $id) {\n    id\n    name\n    phone\n  }\n}": types.ClientCardLiveDocument,
    "query ClientCard($id: ID!) {\n  client(id: $id) {\n    id\n    ...ClientCardFields\n  }\n}\n\nfragment ClientCardFields on Client {\n  name\n  phone\n}": types.ClientCardDocument,
    "subscription ClientChanges {\n  changes(kinds: [CLIENT]) {\n    kind\n    type\n    id\n    upsalesId\n    at\n    node {\n      ... on Client {\n        id\n        name\n        phone\n      }\n    }\n  }\n}": types.ClientChangesDocument,
    "query ClientDetail($id: ID!) {\n  client(id: $id) {\n    id\n    name\n    orgNo\n    phone\n    webpage\n    accountManagers {\n      name\n      email\n    }\n    ...ClientRelations @defer(label: \"relations\")\n  }\n}\n\nfragment ClientRelations on Client {\n  contacts(first: 10) {\n    totalCount\n    nodes {\n      id\n      name\n      title\n      email\n    }\n  }\n  opportunities(first: 10) {\n    totalCount\n    nodes {\n      id\n      description\n      value\n      stage {\n        name\n      }\n    }\n  }\n}": types.ClientDetailDocument,
    "query ClientList($first: Int = 20, $after: String, $filter: ClientFilter) {\n  clients(first: $first, after: $after, filter: $filter, orderBy: [{field: name}]) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      orgNo\n      phone\n      accountManagers {\n        name\n      }\n    }\n  }\n}": types.ClientListDocument,
    "subscription ImportProgress($id: ID!) {\n  importProgress(id: $id) {\n    id\n    state\n    total\n    done\n    failed\n  }\n}": types.ImportProgressDocument,
    "query PipelineBoard($perStage: Int = 10) {\n  orderStages {\n    id\n    name\n    probability\n    opportunities(first: $perStage, orderBy: [{field: value, direction: DESC}]) {\n      totalCount\n      nodes {\n        id\n        description\n        value\n        weightedValue\n        client {\n          name\n        }\n        user {\n          name\n        }\n      }\n    }\n  }\n}": types.PipelineBoardDocument,
    "query RecentOrders($first: Int = 10) {\n  orders(first: $first, orderBy: [{field: date, direction: DESC}]) {\n    totalCount\n    nodes {\n      id\n      description\n      date\n      value\n      currency\n      client {\n        id\n        name\n      }\n      rows {\n        quantity\n        price\n        product {\n          name\n          category {\n            name\n          }\n        }\n      }\n    }\n  }\n}": types.RecentOrdersDocument,
    "mutation UpdateClientPhone($id: ID!, $phone: String!) {\n  updateClient(id: $id, input: {phone: $phone}) {\n    status\n    client {\n      id\n      phone\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}": types.UpdateClientPhoneDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ClientCardLive($id: ID!) @live {\n  client(id: $id) {\n    id\n    name\n    phone\n  }\n}"): (typeof documents)["query ClientCardLive($id: ID!) @live {\n  client(id: $id) {\n    id\n    name\n    phone\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ClientCard($id: ID!) {\n  client(id: $id) {\n    id\n    ...ClientCardFields\n  }\n}\n\nfragment ClientCardFields on Client {\n  name\n  phone\n}"): (typeof documents)["query ClientCard($id: ID!) {\n  client(id: $id) {\n    id\n    ...ClientCardFields\n  }\n}\n\nfragment ClientCardFields on Client {\n  name\n  phone\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ClientChanges {\n  changes(kinds: [CLIENT]) {\n    kind\n    type\n    id\n    upsalesId\n    at\n    node {\n      ... on Client {\n        id\n        name\n        phone\n      }\n    }\n  }\n}"): (typeof documents)["subscription ClientChanges {\n  changes(kinds: [CLIENT]) {\n    kind\n    type\n    id\n    upsalesId\n    at\n    node {\n      ... on Client {\n        id\n        name\n        phone\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ClientDetail($id: ID!) {\n  client(id: $id) {\n    id\n    name\n    orgNo\n    phone\n    webpage\n    accountManagers {\n      name\n      email\n    }\n    ...ClientRelations @defer(label: \"relations\")\n  }\n}\n\nfragment ClientRelations on Client {\n  contacts(first: 10) {\n    totalCount\n    nodes {\n      id\n      name\n      title\n      email\n    }\n  }\n  opportunities(first: 10) {\n    totalCount\n    nodes {\n      id\n      description\n      value\n      stage {\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query ClientDetail($id: ID!) {\n  client(id: $id) {\n    id\n    name\n    orgNo\n    phone\n    webpage\n    accountManagers {\n      name\n      email\n    }\n    ...ClientRelations @defer(label: \"relations\")\n  }\n}\n\nfragment ClientRelations on Client {\n  contacts(first: 10) {\n    totalCount\n    nodes {\n      id\n      name\n      title\n      email\n    }\n  }\n  opportunities(first: 10) {\n    totalCount\n    nodes {\n      id\n      description\n      value\n      stage {\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ClientList($first: Int = 20, $after: String, $filter: ClientFilter) {\n  clients(first: $first, after: $after, filter: $filter, orderBy: [{field: name}]) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      orgNo\n      phone\n      accountManagers {\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query ClientList($first: Int = 20, $after: String, $filter: ClientFilter) {\n  clients(first: $first, after: $after, filter: $filter, orderBy: [{field: name}]) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      orgNo\n      phone\n      accountManagers {\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ImportProgress($id: ID!) {\n  importProgress(id: $id) {\n    id\n    state\n    total\n    done\n    failed\n  }\n}"): (typeof documents)["subscription ImportProgress($id: ID!) {\n  importProgress(id: $id) {\n    id\n    state\n    total\n    done\n    failed\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PipelineBoard($perStage: Int = 10) {\n  orderStages {\n    id\n    name\n    probability\n    opportunities(first: $perStage, orderBy: [{field: value, direction: DESC}]) {\n      totalCount\n      nodes {\n        id\n        description\n        value\n        weightedValue\n        client {\n          name\n        }\n        user {\n          name\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query PipelineBoard($perStage: Int = 10) {\n  orderStages {\n    id\n    name\n    probability\n    opportunities(first: $perStage, orderBy: [{field: value, direction: DESC}]) {\n      totalCount\n      nodes {\n        id\n        description\n        value\n        weightedValue\n        client {\n          name\n        }\n        user {\n          name\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RecentOrders($first: Int = 10) {\n  orders(first: $first, orderBy: [{field: date, direction: DESC}]) {\n    totalCount\n    nodes {\n      id\n      description\n      date\n      value\n      currency\n      client {\n        id\n        name\n      }\n      rows {\n        quantity\n        price\n        product {\n          name\n          category {\n            name\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query RecentOrders($first: Int = 10) {\n  orders(first: $first, orderBy: [{field: date, direction: DESC}]) {\n    totalCount\n    nodes {\n      id\n      description\n      date\n      value\n      currency\n      client {\n        id\n        name\n      }\n      rows {\n        quantity\n        price\n        product {\n          name\n          category {\n            name\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateClientPhone($id: ID!, $phone: String!) {\n  updateClient(id: $id, input: {phone: $phone}) {\n    status\n    client {\n      id\n      phone\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"): (typeof documents)["mutation UpdateClientPhone($id: ID!, $phone: String!) {\n  updateClient(id: $id, input: {phone: $phone}) {\n    status\n    client {\n      id\n      phone\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;