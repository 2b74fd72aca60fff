/** Shared setup of the mutation tests: a stack with room in its budget, and ids from the demo data. */
import { startStack, type Stack } from '../helpers/stack.js';
import type { GatewayConfig } from '../../src/config/config.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';

/** A stack whose budget and throttle never get in the way of these tests. */
export const writeStack = (config: Partial<GatewayConfig> = {}, sim: SimulatorOptions = {}): Promise<Stack> =>
  startStack({ sim: { throttleCalls: 100_000, ...sim }, config: { budgetCalls: 100_000, ...config } });

export interface DemoIds {
  /** Upsales ids of demo users by login. */
  admin: number;
  sales: number;
  client: number;
  product: number;
  product2: number;
}

export async function demoIds(stack: Stack): Promise<DemoIds> {
  const users = await stack.query<{ users: { nodes: { upsalesId: number; email: string }[] } }>(
    `{ users(first: 50) { nodes { upsalesId email } } }`,
  );
  const byEmail = (email: string) => users.data!.users.nodes.find((u) => u.email === email)!.upsalesId;
  const rest = await stack.query<{ clients: { nodes: { upsalesId: number }[] }; products: { nodes: { upsalesId: number }[] } }>(
    `{ clients(first: 1, orderBy: [{ field: id }]) { nodes { upsalesId } } products(first: 2, orderBy: [{ field: id }]) { nodes { upsalesId } } }`,
  );
  return {
    admin: byEmail('admin@demo.test'),
    sales: byEmail('sales@demo.test'),
    client: rest.data!.clients.nodes[0].upsalesId,
    product: rest.data!.products.nodes[0].upsalesId,
    product2: rest.data!.products.nodes[1].upsalesId,
  };
}
