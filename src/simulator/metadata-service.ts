/** The metadata service: small lists, fetched whole, readable by every API user. */
import { CUSTOM_FIELD_KINDS, META_KINDS } from '../contract/kinds.js';
import type { MetaOperation } from '../contract/wire.js';
import { validationError } from './soap/sim-fault.js';
import type { Metadata, Store } from './store.js';
import { childNamed, isNil, type XmlElement } from './xml/parse-xml.js';

const LISTS: Record<Exclude<MetaOperation, 'getCustomFields'>, keyof Metadata> = {
  getOrderStages: 'orderStages', getActivityTypes: 'activityTypes', getAppointmentTypes: 'appointmentTypes',
  getProductCategories: 'productCategories', getClientCategories: 'clientCategories', getRoles: 'roles', getCurrencies: 'currencies',
};

const TYPE_FIELDS = Object.fromEntries(Object.values(META_KINDS).map((m) => [m.operation, Object.keys(m.fields)]));

/** A record with its fields in XSD order, unset ones left out. */
function ordered(operation: MetaOperation, entry: object): Record<string, unknown> {
  const source = entry as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of [...TYPE_FIELDS[operation], 'rights', 'options']) {
    if (source[key] !== undefined && source[key] !== null) out[key] = source[key];
  }
  return out;
}

export function runMetadataOperation(store: Store, operation: MetaOperation, el: XmlElement): unknown {
  const extra = el.children.find((c) => !(operation === 'getCustomFields' && c.name === 'kind'));
  if (extra) throw validationError(`unexpected element <${extra.name}> in <${operation}>`, extra.name);
  if (operation === 'getCustomFields') {
    const kindEl = childNamed(el, 'kind');
    const kind = kindEl && !isNil(kindEl) ? kindEl.text.trim() : '';
    if (kind && !(CUSTOM_FIELD_KINDS as readonly string[]).includes(kind)) {
      throw validationError(`unknown custom field kind "${kind}"; one of ${CUSTOM_FIELD_KINDS.join(', ')}`, 'kind');
    }
    const defs = kind ? store.customFieldsOf(kind) : store.meta.customFields;
    return { items: defs.map((d) => ordered(operation, d)) };
  }
  return { items: (store.meta[LISTS[operation]] as object[]).map((entry) => ordered(operation, entry)) };
}
