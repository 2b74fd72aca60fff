/** What the pipeline learned about a SOAP call, handed to the service methods node-soap dispatches to. */
import type { IncomingMessage } from 'node:http';
import type { Caller } from '../items/rights.js';
import type { XmlElement } from '../xml/parse-xml.js';

export interface CallContext {
  caller: Caller;
  /** The operation element of the request body, parsed verbatim. */
  operation: XmlElement;
}

const contexts = new WeakMap<IncomingMessage, CallContext>();

export const setCallContext = (req: IncomingMessage, ctx: CallContext): void => void contexts.set(req, ctx);
export const callContext = (req: IncomingMessage): CallContext | undefined => contexts.get(req);
