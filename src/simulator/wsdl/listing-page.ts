/** The HTML listing of every service and its WSDL (`/wsapi/test`). */
import { ALL_SERVICES, servicePath } from '../../contract/wire.js';

export function listingPage(): string {
  const rows = ALL_SERVICES.map((s) => `<li><a href="${servicePath(s)}?wsdl">${s}</a> — endpoint <code>${servicePath(s)}</code></li>`).join('\n');
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>Upsales SOAP services (embedded)</title></head>`
    + `<body><h1>Upsales SOAP services (embedded)</h1><ul>\n${rows}\n</ul></body></html>\n`;
}
