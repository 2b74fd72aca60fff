const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };

/**
 * Escapes text for XML element content and attribute values. Characters XML
 * 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/F) are
 * dropped; `\r` is kept as a character reference so it survives parsing.
 */
export function escapeXmlText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/[&<>"'\r]/g, (c) => ENTITIES[c]!);
}
