/**
 * One call budget per Upsales account, shared on purpose by every request and
 * background job of that account, and by nothing else.
 */
import { accountKey } from '../account/account-key.js';
import { CallBudget, type CallBudgetOptions } from './call-budget.js';
import type { WindowStore } from './window-store.js';

export interface BudgetRegistry {
  /**
   * The budget of the account `username` at the upstream `baseUrl`, created on
   * first use. Ask for it at each use: an idle one may be forgotten.
   */
  budgetForAccount(baseUrl: string, username: string): CallBudget;
  /** The budgets alive now, by {@link accountKey} (for metrics). */
  entries(): IterableIterator<[account: string, budget: CallBudget]>;
}

/**
 * Budgets with `options`; their windows come from `windowFor` (by
 * {@link accountKey}), or live in this process's memory when it is not given.
 * A budget forgotten disposes of its window store.
 */
export function createBudgetRegistry(options: CallBudgetOptions = {}, windowFor?: (account: string) => WindowStore): BudgetRegistry {
  const budgetsByAccount = new Map<string, CallBudget>();
  return {
    budgetForAccount(baseUrl, username) {
      const key = accountKey(baseUrl, username);
      let budget = budgetsByAccount.get(key);
      if (!budget) {
        // Idle budgets are forgotten with their window stores (a new one is the
        // same), so accounts that come and go, or usernames Upsales refuses, do
        // not pile up. Only here: a store never outlives or predeceases its budget.
        for (const [other, idle] of budgetsByAccount) {
          if (!idle.isIdle()) continue;
          budgetsByAccount.delete(other);
          idle.dispose();
        }
        budget = new CallBudget({ ...options, store: windowFor?.(key) });
        budgetsByAccount.set(key, budget);
      }
      return budget;
    },
    entries: () => budgetsByAccount.entries(),
  };
}
