/**
 * node-soap writes a string that starts with `<![CDATA[` and ends with `]]>`
 * unescaped. Such strings are rewritten into a CDATA section that decodes to
 * the original text, so every string round-trips.
 */
const wrap = (text: string): string => `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

export function cdataSafe<T>(value: T): T {
  if (typeof value === 'string') return (value.startsWith('<![CDATA[') && value.endsWith(']]>') ? wrap(value) : value) as T;
  if (Array.isArray(value)) return value.map(cdataSafe) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cdataSafe(v)])) as T;
  }
  return value;
}
