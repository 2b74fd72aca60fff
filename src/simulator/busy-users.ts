/**
 * Other users at work in the embedded service (`SIM_CHANGES_PER_MIN`), so
 * a demo shows changes arriving that nobody made through the gateway: at
 * that pace, a user edits a client's phone or a contact's title (most
 * often), adds a contact to a client, or removes a contact one of them
 * added earlier (the demo data itself is never deleted). Each change is
 * stamped like any write (`modDate`), straight in the store: it is the
 * service's own doing, not a SOAP call, and costs no one's budget.
 */
import { Random } from './data/random.js';
import type { Rec, Store } from './store.js';

/** Starts the changes, `perMinute` of them a minute, evenly spaced; returns how to stop them. */
export function startBusyUsers(store: Store, perMinute: number, seed: number): () => void {
  const rnd = new Random(seed * 7919 + 17);
  const added: number[] = [];
  const users = () => [...store.entity('user').values()].map((user) => user.id);
  const any = (map: Map<number, Rec>): Rec | undefined => {
    const index = rnd.int(0, map.size - 1);
    let at = 0;
    for (const rec of map.values()) if (at++ === index) return rec;
    return undefined;
  };

  function change(): void {
    const roll = rnd.next();
    const clients = store.entity('client');
    const contacts = store.entity('contact');
    if (roll < 0.1 && added.length > 0) {
      const id = added.splice(rnd.int(0, added.length - 1), 1)[0];
      contacts.delete(id);
      return;
    }
    if (roll < 0.3) {
      const client = any(clients);
      if (!client) return;
      const now = store.stamp();
      const first = rnd.pick(['Anna', 'Erik', 'Maja', 'Lars', 'Sofia', 'Jonas', 'Ingrid', 'Mikko']);
      const last = rnd.pick(['Berg', 'Lind', 'Holm', 'Nieminen', 'Dahl', 'Strand']);
      const id = store.nextId('contact');
      contacts.set(id, {
        id, regDate: now, modDate: now, regBy: rnd.pick(users()), client: client.id, name: `${first} ${last}`, firstName: first, lastName: last,
        email: `${first}.${last}.${id}@example.test`.toLowerCase(), active: true,
      });
      added.push(id);
      return;
    }
    if (roll < 0.65) {
      const client = any(clients);
      if (!client) return;
      client.phone = `+46 8 ${rnd.digits(3)} ${rnd.digits(2)} ${rnd.digits(2)}`;
      client.modDate = store.stamp();
      return;
    }
    const contact = any(contacts);
    if (!contact) return;
    contact.title = rnd.pick(['CEO', 'CFO', 'Head of Sales', 'Buyer', 'IT Manager', 'Office Manager']);
    contact.modDate = store.stamp();
  }

  const timer = setInterval(change, Math.max(1, 60_000 / perMinute));
  timer.unref();
  return () => clearInterval(timer);
}
