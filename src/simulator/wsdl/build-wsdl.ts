/**
 * One WSDL 1.1 per service (document/literal wrapped, SOAP 1.1), generated
 * from the kinds table, with its XSD inline.
 */
import { KINDS, type ItemKind } from '../../contract/kinds.js';
import {
  META_OPERATIONS, METADATA_SERVICE, OPERATIONS, bindingName, portName, servicePath, serviceNamespace,
} from '../../contract/wire.js';
import { escapeXml } from '../xml/escape-xml.js';
import { commonItemTypes, faultTypes, itemTypes, metadataTypes, wrapperElement } from './xsd-types.js';

interface OperationSchema {
  name: string;
  request: string[];
  response: string[];
}

const opt = (name: string, type: string, many = false): string =>
  `<xsd:element name="${name}" type="${type}" minOccurs="0"${many ? ' maxOccurs="unbounded"' : ''}/>`;
const req = (name: string, type: string): string => `<xsd:element name="${name}" type="${type}"/>`;

function itemOperations(kind: ItemKind): OperationSchema[] {
  const item = `tns:${KINDS[kind].typeName}`;
  const results = opt('results', `tns:${KINDS[kind].typeName}Result`, true);
  const byName: Record<(typeof OPERATIONS)[number], Omit<OperationSchema, 'name'>> = {
    getAll: { request: [], response: [opt('items', item, true)] },
    getByCriteria: {
      request: [opt('criteria', 'tns:Criterion', true), opt('sort', 'tns:Sort', true), opt('limit', 'xsd:int'), opt('offset', 'xsd:int')],
      response: [req('total', 'xsd:int'), opt('items', item, true)],
    },
    get: { request: [req('id', 'xsd:int')], response: [req('item', item)] },
    create: { request: [opt('items', item, true)], response: [results] },
    update: { request: [opt('items', item, true)], response: [results] },
    delete: { request: [opt('ids', 'xsd:int', true)], response: [opt('results', 'tns:DeleteResult', true)] },
  };
  return OPERATIONS.map((name) => ({ name, ...byName[name] }));
}

const META_RESULT: Record<(typeof META_OPERATIONS)[number], string> = {
  getCustomFields: 'CustomFieldDefinition', getOrderStages: 'OrderStage', getActivityTypes: 'ActivityType',
  getAppointmentTypes: 'AppointmentType', getProductCategories: 'ProductCategory', getClientCategories: 'ClientCategory',
  getRoles: 'Role', getCurrencies: 'Currency',
};

function metadataOperations(): OperationSchema[] {
  return META_OPERATIONS.map((name) => ({
    name,
    request: name === 'getCustomFields' ? [opt('kind', 'xsd:string')] : [],
    response: [opt('items', `tns:${META_RESULT[name]}`, true)],
  }));
}

/** Operation names a service serves (what its WSDL declares). */
export function serviceOperations(service: string): string[] {
  return service === METADATA_SERVICE ? [...META_OPERATIONS] : [...OPERATIONS];
}

/** SOAPAction of an operation. */
export const soapAction = (service: string, operation: string): string => `${serviceNamespace(service)}/${operation}`;

/**
 * The WSDL of one service; `origin` (`http://host:port`) makes the port address absolute.
 */
export function buildWsdl(service: string, kind: ItemKind | null, origin: string): string {
  const ns = serviceNamespace(service);
  const operations = kind ? itemOperations(kind) : metadataOperations();
  const types = kind ? [...commonItemTypes(), ...itemTypes(kind)] : metadataTypes();
  const elements = operations.flatMap((op) => [wrapperElement(op.name, op.request), wrapperElement(`${op.name}Response`, op.response)]);
  const schema = `<xsd:schema targetNamespace="${ns}" elementFormDefault="unqualified">${[...types, ...faultTypes(), ...elements].join('')}</xsd:schema>`;
  const messages = operations.map((op) =>
    `<wsdl:message name="${op.name}Request"><wsdl:part name="parameters" element="tns:${op.name}"/></wsdl:message>`
    + `<wsdl:message name="${op.name}Response"><wsdl:part name="parameters" element="tns:${op.name}Response"/></wsdl:message>`).join('')
    + '<wsdl:message name="UpsalesFaultMessage"><wsdl:part name="fault" element="tns:UpsalesFault"/></wsdl:message>';
  const portType = `<wsdl:portType name="${service}PortType">${operations.map((op) =>
    `<wsdl:operation name="${op.name}"><wsdl:input message="tns:${op.name}Request"/><wsdl:output message="tns:${op.name}Response"/>`
    + '<wsdl:fault name="UpsalesFault" message="tns:UpsalesFaultMessage"/></wsdl:operation>').join('')}</wsdl:portType>`;
  const binding = `<wsdl:binding name="${bindingName(service)}" type="tns:${service}PortType">`
    + '<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>'
    + operations.map((op) => `<wsdl:operation name="${op.name}"><soap:operation soapAction="${soapAction(service, op.name)}" style="document"/>`
      + '<wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output>'
      + '<wsdl:fault name="UpsalesFault"><soap:fault name="UpsalesFault" use="literal"/></wsdl:fault></wsdl:operation>').join('')
    + '</wsdl:binding>';
  const location = escapeXml(`${origin}${servicePath(service)}`);
  return '<?xml version="1.0" encoding="UTF-8"?>'
    + `<wsdl:definitions name="${service}" targetNamespace="${ns}" xmlns:tns="${ns}"`
    + ' xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"'
    + ' xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
    + `<wsdl:types>${schema}</wsdl:types>${messages}${portType}${binding}`
    + `<wsdl:service name="${service}"><wsdl:port name="${portName(service)}" binding="tns:${bindingName(service)}">`
    + `<soap:address location="${location}"/></wsdl:port></wsdl:service></wsdl:definitions>`;
}
