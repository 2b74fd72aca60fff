/**
 * The node-soap service objects: one method per operation, each reading its
 * call context (set by the pipeline) and running the operation.
 */
import type { IncomingMessage } from 'node:http';
import type { IServices } from 'soap';
import type { ItemKind } from '../../contract/kinds.js';
import { portName, type MetaOperation, type Operation } from '../../contract/wire.js';
import { runItemOperation, type ItemServiceContext } from '../items/item-service.js';
import { runMetadataOperation } from '../metadata-service.js';
import { serviceOperations } from '../wsdl/build-wsdl.js';
import { cdataSafe } from './cdata-safe.js';
import { callContext } from './call-context.js';
import { SimFault } from './sim-fault.js';

type Method = (args: unknown, callback: unknown, headers: unknown, req: IncomingMessage) => unknown;

export function buildServices(ctx: ItemServiceContext, service: string, kind: ItemKind | null): IServices {
  const methods: Record<string, Method> = {};
  for (const operation of serviceOperations(service)) {
    methods[operation] = (_args, _callback, _headers, req) => {
      try {
        const call = callContext(req);
        if (!call) throw new SimFault('INTERNAL', 'call reached the service without passing the pipeline');
        const result = kind
          ? runItemOperation(ctx, kind, operation as Operation, call.caller, call.operation)
          : runMetadataOperation(ctx.store, operation as MetaOperation, call.operation);
        return cdataSafe(result);
      } catch (err) {
        if (err instanceof SimFault) throw err.toNodeSoap();
        console.error(`[simulator] ${service}.${operation} failed:`, err);
        throw new SimFault('INTERNAL', 'internal error in the embedded Upsales service').toNodeSoap();
      }
    };
  }
  return { [service]: { [portName(service)]: methods } } as IServices;
}
