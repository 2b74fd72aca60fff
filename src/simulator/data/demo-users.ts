/**
 * The users of the demo account. The first four are documented demo logins
 * (demo-only passwords); the rest are generated sales people with passwords
 * of their own.
 */
import { ROLE } from './demo-metadata.js';

export interface DemoUser {
  name: string;
  email: string;
  password: string;
  role: number;
  administrator: boolean;
  apiAccess: boolean;
}

export const DEMO_LOGINS: DemoUser[] = [
  { name: 'Agnes Admin', email: 'admin@demo.test', password: 'demo-admin', role: ROLE.management, administrator: true, apiAccess: true },
  { name: 'Sven Säljare', email: 'sales@demo.test', password: 'demo-sales', role: ROLE.sales, administrator: false, apiAccess: true },
  { name: 'Rut Läsare', email: 'reader@demo.test', password: 'demo-reader', role: ROLE.readers, administrator: false, apiAccess: true },
  { name: 'Nora Utan-API', email: 'noapi@demo.test', password: 'demo-noapi', role: ROLE.support, administrator: false, apiAccess: false },
];

/** Roles of the generated users, in order: 2 more in Sales, 3 juniors below Sales, the rest elsewhere. */
export const GENERATED_USER_ROLES = [
  ROLE.sales, ROLE.sales, ROLE.salesJuniors, ROLE.salesJuniors, ROLE.salesJuniors,
  ROLE.keyAccounts, ROLE.keyAccounts, ROLE.keyAccounts, ROLE.support, ROLE.support, ROLE.management,
];
