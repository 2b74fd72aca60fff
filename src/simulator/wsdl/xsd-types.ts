/**
 * XSD fragments for the item and metadata types, generated from the kinds
 * table. Every item field is optional and nillable: on `update` absent means
 * unchanged and xsi:nil means clear.
 */
import { KINDS, META_KINDS, STRUCTS, type FieldSpec, type ItemKind, type ScalarType } from '../../contract/kinds.js';
import { CRITERIA_OPERATORS } from '../../contract/wire.js';

export const XSD_SCALAR: Record<ScalarType, string> = {
  id: 'xsd:int', string: 'xsd:string', text: 'xsd:string', int: 'xsd:int', float: 'xsd:double',
  boolean: 'xsd:boolean', date: 'xsd:date', datetime: 'xsd:dateTime',
};

const META_SCALAR: Record<string, string> = { int: 'xsd:int', string: 'xsd:string', float: 'xsd:double', boolean: 'xsd:boolean' };

function fieldElement(name: string, spec: FieldSpec): string {
  const many = (spec.type === 'refs' || spec.type === 'customfields' || (spec.type === 'struct' && spec.list)) ? ' maxOccurs="unbounded"' : '';
  let type: string;
  if (spec.type === 'ref' || spec.type === 'refs') type = 'tns:Ref';
  else if (spec.type === 'struct') type = `tns:${spec.struct}`;
  else if (spec.type === 'customfields') type = 'tns:CustomFieldValue';
  else type = XSD_SCALAR[spec.type];
  return `<xsd:element name="${name}" type="${type}" minOccurs="0"${many} nillable="true"/>`;
}

const sequence = (elements: string[]): string => `<xsd:sequence>${elements.join('')}</xsd:sequence>`;
export const complexType = (name: string, elements: string[]): string =>
  `<xsd:complexType name="${name}">${sequence(elements)}</xsd:complexType>`;
export const wrapperElement = (name: string, elements: string[]): string =>
  `<xsd:element name="${name}"><xsd:complexType>${sequence(elements)}</xsd:complexType></xsd:element>`;

const fieldsType = (name: string, fields: Record<string, FieldSpec>): string =>
  complexType(name, Object.entries(fields).map(([field, spec]) => fieldElement(field, spec)));

/** Types every item service shares: refs, custom values, structs, criteria, results, the fault detail. */
export function commonItemTypes(): string[] {
  return [
    complexType('Ref', ['<xsd:element name="id" type="xsd:int"/>', '<xsd:element name="name" type="xsd:string" minOccurs="0" nillable="true"/>']),
    complexType('CustomFieldValue', ['<xsd:element name="fieldId" type="xsd:int"/>', '<xsd:element name="value" type="xsd:string" nillable="true"/>']),
    ...Object.entries(STRUCTS).map(([name, fields]) => fieldsType(name, fields)),
    '<xsd:simpleType name="CriteriaOperator"><xsd:restriction base="xsd:string">'
      + CRITERIA_OPERATORS.map((v) => `<xsd:enumeration value="${v}"/>`).join('') + '</xsd:restriction></xsd:simpleType>',
    complexType('Criterion', [
      '<xsd:element name="field" type="xsd:string"/>',
      '<xsd:element name="operator" type="tns:CriteriaOperator"/>',
      '<xsd:element name="values" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/>',
    ]),
    complexType('Sort', ['<xsd:element name="field" type="xsd:string"/>', '<xsd:element name="descending" type="xsd:boolean" minOccurs="0"/>']),
    complexType('ItemError', [
      '<xsd:element name="code" type="xsd:string"/>', '<xsd:element name="message" type="xsd:string"/>',
      '<xsd:element name="field" type="xsd:string" minOccurs="0"/>',
    ]),
    complexType('DeleteResult', [
      '<xsd:element name="index" type="xsd:int"/>', '<xsd:element name="id" type="xsd:int"/>',
      '<xsd:element name="success" type="xsd:boolean"/>', '<xsd:element name="error" type="tns:ItemError" minOccurs="0"/>',
    ]),
  ];
}

/** The item type of a kind, and the result type of its writes. */
export function itemTypes(kind: ItemKind): string[] {
  const { typeName, fields } = KINDS[kind];
  return [
    fieldsType(typeName, fields),
    complexType(`${typeName}Result`, [
      '<xsd:element name="index" type="xsd:int"/>', '<xsd:element name="success" type="xsd:boolean"/>',
      `<xsd:element name="item" type="tns:${typeName}" minOccurs="0"/>`, '<xsd:element name="error" type="tns:ItemError" minOccurs="0"/>',
    ]),
  ];
}

/** The metadata record types. Roles carry their rights; custom field definitions their options. */
export function metadataTypes(): string[] {
  const types = Object.values(META_KINDS).map(({ typeName, fields }) => {
    const elements = Object.entries(fields).map(([name, type]) => `<xsd:element name="${name}" type="${META_SCALAR[type]}" minOccurs="0" nillable="true"/>`);
    if (typeName === 'Role') elements.push('<xsd:element name="rights" type="tns:KindRights" minOccurs="0" maxOccurs="unbounded"/>');
    if (typeName === 'CustomFieldDefinition') elements.push('<xsd:element name="options" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/>');
    return complexType(typeName, elements);
  });
  const level = '<xsd:simpleType name="RightLevel"><xsd:restriction base="xsd:string">'
    + ['none', 'own', 'role', 'all'].map((v) => `<xsd:enumeration value="${v}"/>`).join('') + '</xsd:restriction></xsd:simpleType>';
  return [
    level,
    complexType('KindRights', ['kind', 'access', 'change', 'delete'].map((name) =>
      `<xsd:element name="${name}" type="${name === 'kind' ? 'xsd:string' : 'tns:RightLevel'}"/>`)),
    ...types,
  ];
}

/** `detail/UpsalesFault` of every fault. */
export function faultTypes(): string[] {
  return [
    wrapperElement('UpsalesFault', [
      '<xsd:element name="code" type="xsd:string"/>', '<xsd:element name="message" type="xsd:string"/>',
      '<xsd:element name="itemIndex" type="xsd:int" minOccurs="0"/>', '<xsd:element name="field" type="xsd:string" minOccurs="0"/>',
      '<xsd:element name="retryAfterMs" type="xsd:int" minOccurs="0"/>',
    ]),
  ];
}
