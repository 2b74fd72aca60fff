/**
 * node-soap clients, one per service, created from its WSDL on first use and
 * shared by every caller. Shared is safe because nothing per caller is ever
 * set on them (no setSecurity, no addSoapHeader): credentials travel in a
 * per-call header (wsse.ts).
 */
import { createClientAsync, type Client, type IOptions } from 'soap';

export interface SoapServices {
  client(service: string): Promise<Client>;
}

/** How node-soap reads and writes for the adapter (normalize.ts relies on these). */
export const SOAP_CLIENT_OPTIONS = {
  handleNilAsNull: true,
  // node-soap lets '<![CDATA[...]]>' strings through unescaped; normalize.ts escapes instead
  escapeXML: false,
  // keep dates as sent; normalize.ts types them
  customDeserializer: { date: (text: string) => text, dateTime: (text: string) => text },
} satisfies IOptions;

/** `baseUrl` is where `<Service>?wsdl` lives, e.g. `https://crm.upsales.com/wsapi`. */
export function soapServices(baseUrl: string, wsdlTimeoutMs: number): SoapServices {
  const clients = new Map<string, Promise<Client>>();
  const options: IOptions = {
    ...SOAP_CLIENT_OPTIONS,
    // the adapter keeps its own cache; node-soap's global one would outlive it
    disableCache: true,
    wsdl_options: { timeout: wsdlTimeoutMs, maxRedirects: 0 },
  };
  return {
    client(service) {
      let client = clients.get(service);
      if (!client) {
        const endpoint = `${baseUrl}/${service}`;
        client = createClientAsync(`${endpoint}?wsdl`, { ...options, endpoint });
        clients.set(service, client);
        // a failed WSDL load is retried by the next call
        client.catch(() => clients.delete(service));
      }
      return client;
    },
  };
}
