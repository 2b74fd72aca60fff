/**
 * The example frontend's pages, each one typed query of operations/ run by
 * its hash, and what the page draws from its typed answer.
 */
import type { Run } from './client.js';
import {
  ClientDetailDocument, ClientListDocument, PipelineBoardDocument, RecentOrdersDocument,
  type ClientDetailQuery, type ClientFilter, type PipelineBoardQuery, type RecentOrdersQuery,
} from './generated/graphql.js';

/** A page of the client list, by name. */
export const clientListPage = (run: Run, filter?: ClientFilter, after?: string) => run(ClientListDocument, { first: 20, filter, after });

/** A client's card at once; `onData` draws it again when its contacts and opportunities arrive (deferred). */
export const clientDetailPage = (run: Run, id: string, onData?: (data: ClientDetailQuery) => void) => run(ClientDetailDocument, { id }, onData);

/** Whether the deferred part of the client detail page has arrived. */
export const hasRelations = (client: NonNullable<ClientDetailQuery['client']>): boolean => client.contacts !== undefined;

export const pipelineBoard = (run: Run, perStage = 10) => run(PipelineBoardDocument, { perStage });

/** The board's columns: a stage, its count, and its cards. */
export function pipelineColumns(board: PipelineBoardQuery) {
  return board.orderStages.map((stage) => ({
    title: `${stage.name} (${stage.probability ?? 0} %)`,
    count: stage.opportunities.totalCount,
    cards: (stage.opportunities.nodes ?? []).flatMap((deal) => (deal ? [{ id: deal.id, title: deal.description ?? '', client: deal.client?.name ?? '', value: deal.value ?? 0 }] : [])),
  }));
}

export const recentOrders = (run: Run, first = 10) => run(RecentOrdersDocument, { first });

/** An order's lines as the nested list shows them: quantity, product, category. */
export function orderLines(orders: RecentOrdersQuery): string[][] {
  return (orders.orders.nodes ?? []).flatMap((order) => (order ? [(order.rows ?? []).map((row) => `${row.quantity ?? 0} x ${row.product?.name ?? '?'} (${row.product?.category?.name ?? '-'})`)] : []));
}
