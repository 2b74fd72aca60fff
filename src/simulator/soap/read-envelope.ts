/** Finds the parts of a SOAP 1.1 envelope: the header and the operation element of the body. */
import { SimFault, validationError } from './sim-fault.js';
import { parseXml, XmlSyntaxError, type XmlElement } from '../xml/parse-xml.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

export interface Envelope {
  header: XmlElement | undefined;
  operation: XmlElement;
}

export function readEnvelope(xml: string): Envelope {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw validationError(`malformed XML: ${err.message}`);
    throw err;
  }
  if (root.name !== 'Envelope' || root.ns !== SOAP11_NS) {
    throw new SimFault('VALIDATION_ERROR', `expected a SOAP 1.1 Envelope (${SOAP11_NS}), got <${root.name}>`);
  }
  const header = root.children.find((c) => c.name === 'Header' && c.ns === SOAP11_NS);
  const body = root.children.find((c) => c.name === 'Body' && c.ns === SOAP11_NS);
  if (!body) throw validationError('the envelope has no Body');
  if (body.children.length !== 1) throw validationError(`the Body must hold exactly one operation element, it holds ${body.children.length}`);
  return { header, operation: body.children[0] };
}
