/** The six operations of an item service, over the store, for one caller. */
import { KINDS, type ItemKind } from '../../contract/kinds.js';
import type { Criterion, DeleteResult, Item, ItemError, ItemResult, SortSpec } from '../../contract/types.js';
import { DEFAULT_LIMIT, MAX_LIMIT, type Operation } from '../../contract/wire.js';
import { SimFault, validationError } from '../soap/sim-fault.js';
import type { Rec, Store } from '../store.js';
import { childNamed, childrenNamed, isNil, type XmlElement } from '../xml/parse-xml.js';
import { compileCriteria, compileSort } from './criteria.js';
import { decodeFields } from './decode-item.js';
import { encodeItem } from './encode-item.js';
import { applyPatch, checkRecord, derive, newRecord } from './item-writes.js';
import { rightChecker, type Caller } from './rights.js';
import { FieldError, parseBoolean, parseInt32 } from './scalars.js';

export interface ItemServiceContext {
  store: Store;
  batchMax: number;
}

/** Turns a FieldError from argument parsing into a whole-call VALIDATION_ERROR. */
function args<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FieldError) throw validationError(err.message, err.field);
    throw err;
  }
}

function onlyChildren(el: XmlElement, allowed: string[]): void {
  const unknown = el.children.find((c) => !allowed.includes(c.name));
  if (unknown) throw validationError(`unexpected element <${unknown.name}> in <${el.name}>`, unknown.name);
}

function requiredText(el: XmlElement, name: string, where: string): string {
  const child = childNamed(el, name);
  if (!child || isNil(child)) throw validationError(`${where}.${name} is required`, `${where}.${name}`);
  return child.text;
}

function readCriteria(el: XmlElement): { criteria: Criterion[]; sort: SortSpec[]; limit: number; offset: number } {
  onlyChildren(el, ['criteria', 'sort', 'limit', 'offset']);
  const criteria = childrenNamed(el, 'criteria').map((c, i) => ({
    field: requiredText(c, 'field', `criteria[${i}]`).trim(),
    operator: requiredText(c, 'operator', `criteria[${i}]`).trim() as Criterion['operator'],
    values: childrenNamed(c, 'values').map((v) => v.text),
  }));
  const sort = childrenNamed(el, 'sort').map((s, i) => {
    const desc = childNamed(s, 'descending');
    return { field: requiredText(s, 'field', `sort[${i}]`).trim(), descending: desc ? args(() => parseBoolean(desc.text, `sort[${i}].descending`)) : false };
  });
  const limitEl = childNamed(el, 'limit');
  const offsetEl = childNamed(el, 'offset');
  const limit = limitEl && !isNil(limitEl) ? args(() => parseInt32(limitEl.text, 'limit')) : DEFAULT_LIMIT;
  const offset = offsetEl && !isNil(offsetEl) ? args(() => parseInt32(offsetEl.text, 'offset')) : 0;
  if (limit < 0 || limit > MAX_LIMIT) throw validationError(`limit must be between 0 and ${MAX_LIMIT}`, 'limit');
  if (offset < 0) throw validationError('offset must not be negative', 'offset');
  return { criteria, sort, limit, offset };
}

function itemError(err: unknown): ItemError {
  if (err instanceof FieldError) return { code: 'VALIDATION_ERROR', message: err.message, field: err.field };
  if (err instanceof SimFault) return { code: err.code, message: err.message, ...(err.extra.field !== undefined && { field: err.extra.field }) };
  throw err;
}

export function runItemOperation(ctx: ItemServiceContext, kind: ItemKind, operation: Operation, caller: Caller, el: XmlElement): unknown {
  const { store } = ctx;
  const spec = KINDS[kind];
  const canSee = rightChecker(store, caller, kind, 'access');
  const visible = (): Rec[] => [...store.entity(kind).values()].filter((rec) => store.inView(kind, rec) && canSee(rec));
  const out = (rec: Rec): Item => encodeItem(store, kind, rec);

  /** A record the caller may see, or the right fault. */
  const lookup = (id: number): Rec => {
    const rec = store.find(kind, id);
    if (!rec) throw new SimFault('NOT_FOUND', `${spec.typeName} ${id} does not exist`);
    if (!canSee(rec)) throw new SimFault('ACCESS_DENIED', `no access to ${spec.typeName} ${id}`);
    return rec;
  };

  const batch = (name: string): XmlElement[] => {
    onlyChildren(el, [name]);
    const list = childrenNamed(el, name);
    if (list.length === 0 || list.length > ctx.batchMax) throw validationError(`${operation} takes 1 to ${ctx.batchMax} ${name} per call, got ${list.length}`, name);
    return list;
  };

  /** One result per item, in order: `build` gives the record to store, or throws that item's error. */
  const writeEach = (items: XmlElement[], build: (itemEl: XmlElement) => Rec) => ({
    results: items.map((itemEl, index): ItemResult => {
      try {
        const rec = build(itemEl);
        derive(kind, rec);
        store.entity(kind).set(rec.id, rec);
        return { index, success: true, item: out(rec) };
      } catch (err) {
        return { index, success: false, error: itemError(err) };
      }
    }),
  });

  switch (operation) {
    case 'getAll': {
      onlyChildren(el, []);
      if (!spec.getAll) throw validationError(`getAll is not served for ${spec.plural}; use getByCriteria`);
      return { items: visible().sort((a, b) => a.id - b.id).map(out) };
    }
    case 'getByCriteria': {
      const q = readCriteria(el);
      const matches = compileCriteria(store, kind, q.criteria);
      const sorter = compileSort(store, kind, q.sort);
      const found: Rec[] = [];
      for (const rec of store.entity(kind).values()) if (store.inView(kind, rec) && matches(rec) && canSee(rec)) found.push(rec);
      const sorted = sorter(found);
      return { total: sorted.length, items: sorted.slice(q.offset, q.offset + q.limit).map(out) };
    }
    case 'get': {
      onlyChildren(el, ['id']);
      const id = args(() => parseInt32(requiredText(el, 'id', 'get'), 'id'));
      return { item: out(lookup(id)) };
    }
    case 'create': {
      const canChange = rightChecker(store, caller, kind, 'change');
      return writeEach(batch('items'), (itemEl) => {
        const patch = decodeFields(spec.fields, itemEl, '', store, spec.customFieldKind);
        const rec = newRecord(store, kind, caller, patch);
        checkRecord(store, kind, rec, true);
        if (!canChange(rec)) throw new SimFault('ACCESS_DENIED', `no right to create this ${spec.typeName.toLowerCase()}`);
        rec.id = store.nextId(spec.entity);
        return rec;
      });
    }
    case 'update': {
      const canChange = rightChecker(store, caller, kind, 'change');
      return writeEach(batch('items'), (itemEl) => {
        const idEl = childNamed(itemEl, 'id');
        if (!idEl || isNil(idEl)) throw new FieldError('id', 'id is required to update');
        const current = lookup(parseInt32(idEl.text, 'id'));
        if (!canChange(current)) throw new SimFault('ACCESS_DENIED', `no right to change ${spec.typeName} ${current.id}`);
        const patch = decodeFields(spec.fields, itemEl, '', store, spec.customFieldKind);
        const rec: Rec = structuredClone(current);
        applyPatch(store, kind, rec, patch);
        checkRecord(store, kind, rec, false);
        rec.modDate = store.stamp();
        return rec;
      });
    }
    case 'delete': {
      const canDelete = rightChecker(store, caller, kind, 'delete');
      return {
        results: batch('ids').map((idEl, index): DeleteResult => {
          let id = 0;
          try {
            id = parseInt32(idEl.text, 'ids');
            const rec = lookup(id);
            if (!canDelete(rec)) throw new SimFault('ACCESS_DENIED', `no right to delete ${spec.typeName} ${id}`);
            removeRecord(store, kind, rec);
            return { index, id, success: true };
          } catch (err) {
            return { index, id, success: false, error: itemError(err) };
          }
        }),
      };
    }
  }
}

/** Deletes (or, for products, deactivates) a record; a client takes its contacts with it. */
function removeRecord(store: Store, kind: ItemKind, rec: Rec): void {
  if (KINDS[kind].deleteMeans === 'deactivate') {
    rec.active = false;
    rec.modDate = store.stamp();
    return;
  }
  store.entity(kind).delete(rec.id);
  if (kind === 'client') {
    const contacts = store.entity('contact');
    for (const contact of contacts.values()) if (contact.client === rec.id) contacts.delete(contact.id);
  }
}
