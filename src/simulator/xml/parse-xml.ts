/**
 * A small strict XML parser for incoming SOAP envelopes. node-soap's own
 * request parsing trims text and coerces types loosely (`abc` becomes NaN), so
 * the service reads requests from this tree instead: text is kept verbatim,
 * and anything not well-formed is rejected. DOCTYPE is refused outright (no
 * entity expansion).
 */

export interface XmlElement {
  /** Local name, without prefix. */
  name: string;
  /** Namespace URI, '' when none. */
  ns: string;
  /** Attributes by qualified name as written (`xsi:nil`), values decoded. */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data of this element (not of its children). */
  text: string;
  /** Namespace bindings in scope (prefix -> URI; '' is the default). */
  scope: Record<string, string>;
}

export class XmlSyntaxError extends Error {}

const NAME = /^[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?$/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** Characters XML 1.0 does not allow, raw or as references. */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw new XmlSyntaxError(`Unterminated entity reference near "${whole}"`);
    if (body in PREDEFINED) return PREDEFINED[body];
    const num = /^#x([0-9a-fA-F]+)$/.exec(body) ?? /^#([0-9]+)$/.exec(body);
    if (num) {
      const code = parseInt(num[1], body[1] === 'x' ? 16 : 10);
      const char = code <= 0x10ffff ? String.fromCodePoint(code) : '';
      if (!char || NOT_XML_CHAR.test(char)) throw new XmlSyntaxError(`Character reference &${body}; is not an XML character`);
      return char;
    }
    throw new XmlSyntaxError(`Unknown entity &${body};`);
  });
}

function parseAttributes(source: string, tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /\s*([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/gy;
  let rest = source;
  let match: RegExpExecArray | null;
  let last = 0;
  re.lastIndex = 0;
  while ((match = re.exec(rest)) !== null) {
    const name = match[1];
    if (!NAME.test(name) && !/^xmlns(:[\w.\-]+)?$/.test(name)) throw new XmlSyntaxError(`Bad attribute name in <${tag}>`);
    if (name in attrs) throw new XmlSyntaxError(`Duplicate attribute ${name} in <${tag}>`);
    const value = match[3] ?? match[4];
    if (value.includes('<')) throw new XmlSyntaxError(`"<" in attribute value in <${tag}>`);
    attrs[name] = decodeEntities(value);
    last = re.lastIndex;
  }
  rest = rest.slice(last);
  if (rest.trim() !== '') throw new XmlSyntaxError(`Malformed attributes in <${tag}>`);
  return attrs;
}

function resolve(qname: string, scope: Record<string, string>, isElement: boolean): { name: string; ns: string } {
  const colon = qname.indexOf(':');
  if (colon < 0) return { name: qname, ns: isElement ? (scope[''] ?? '') : '' };
  const prefix = qname.slice(0, colon);
  const ns = scope[prefix];
  if (ns === undefined) throw new XmlSyntaxError(`Unbound namespace prefix "${prefix}"`);
  return { name: qname.slice(colon + 1), ns };
}

/** Parses a whole document and returns its root element, or throws XmlSyntaxError. */
export function parseXml(xml: string): XmlElement {
  let pos = 0;
  if (xml.charCodeAt(0) === 0xfeff) pos = 1;
  if (NOT_XML_CHAR.test(xml)) throw new XmlSyntaxError('The document contains characters XML does not allow');
  const stack: { el: XmlElement; qname: string }[] = [];
  let root: XmlElement | null = null;
  const n = xml.length;
  while (pos < n) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > pos) {
      const raw = xml.slice(pos, textEnd);
      if (raw.includes('>') && raw.includes(']]>')) throw new XmlSyntaxError('"]]>" not allowed in text');
      const top = stack[stack.length - 1];
      if (!top) {
        if (raw.trim() !== '') throw new XmlSyntaxError('Text outside the root element');
      } else top.el.text += decodeEntities(raw);
    }
    if (lt < 0) break;
    pos = lt;
    if (xml.startsWith('<?', pos)) {
      const end = xml.indexOf('?>', pos);
      if (end < 0) throw new XmlSyntaxError('Unterminated processing instruction');
      pos = end + 2;
    } else if (xml.startsWith('<!--', pos)) {
      const end = xml.indexOf('-->', pos + 4);
      if (end < 0) throw new XmlSyntaxError('Unterminated comment');
      pos = end + 3;
    } else if (xml.startsWith('<![CDATA[', pos)) {
      const end = xml.indexOf(']]>', pos + 9);
      if (end < 0) throw new XmlSyntaxError('Unterminated CDATA section');
      const top = stack[stack.length - 1];
      if (!top) throw new XmlSyntaxError('CDATA outside the root element');
      top.el.text += xml.slice(pos + 9, end);
      pos = end + 3;
    } else if (xml.startsWith('<!', pos)) {
      throw new XmlSyntaxError('DOCTYPE and declarations are not allowed');
    } else if (xml.startsWith('</', pos)) {
      const end = xml.indexOf('>', pos);
      if (end < 0) throw new XmlSyntaxError('Unterminated end tag');
      const qname = xml.slice(pos + 2, end).trim();
      const top = stack.pop();
      if (!top || top.qname !== qname) throw new XmlSyntaxError(`Mismatched end tag </${qname}>`);
      pos = end + 1;
    } else {
      const end = findTagEnd(xml, pos);
      const selfClosing = xml[end - 1] === '/';
      const inner = xml.slice(pos + 1, selfClosing ? end - 1 : end);
      const nameMatch = /^[^\s/>]+/.exec(inner);
      const qname = nameMatch ? nameMatch[0] : '';
      if (!NAME.test(qname)) throw new XmlSyntaxError(`Bad element name "${qname}"`);
      if (root && stack.length === 0) throw new XmlSyntaxError('More than one root element');
      const attrs = parseAttributes(inner.slice(qname.length), qname);
      const parentScope = stack.length ? stack[stack.length - 1].el.scope : { xml: 'http://www.w3.org/XML/1998/namespace' };
      let scope = parentScope;
      for (const [key, value] of Object.entries(attrs)) {
        if (key === 'xmlns' || key.startsWith('xmlns:')) {
          if (scope === parentScope) scope = { ...parentScope };
          scope[key === 'xmlns' ? '' : key.slice(6)] = value;
        }
      }
      const { name, ns } = resolve(qname, scope, true);
      for (const key of Object.keys(attrs)) if (key.includes(':') && !key.startsWith('xmlns:')) resolve(key, scope, false);
      const el: XmlElement = { name, ns, attrs, children: [], text: '', scope };
      if (stack.length) stack[stack.length - 1].el.children.push(el);
      else root = el;
      if (!selfClosing) stack.push({ el, qname });
      pos = end + 1;
    }
  }
  if (stack.length) throw new XmlSyntaxError(`Unclosed element <${stack[stack.length - 1].qname}>`);
  if (!root) throw new XmlSyntaxError('No root element');
  return root;
}

/** Index of the `>` closing the tag that starts at `start`, skipping quoted attribute values. */
function findTagEnd(xml: string, start: number): number {
  let quote = '';
  for (let i = start + 1; i < xml.length; i++) {
    const c = xml[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
    else if (c === '<') break;
  }
  throw new XmlSyntaxError('Unterminated start tag');
}

/** Child elements by local name. */
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
export const childNamed = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** Whether the element carries `xsi:nil="true"`. */
export function isNil(el: XmlElement): boolean {
  for (const [key, value] of Object.entries(el.attrs)) {
    const colon = key.indexOf(':');
    if (colon > 0 && key.slice(colon + 1) === 'nil' && el.scope[key.slice(0, colon)] === XSI_NS) return value === 'true' || value === '1';
  }
  return false;
}
