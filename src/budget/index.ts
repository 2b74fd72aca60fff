export { CallBudget, BudgetWaitError, type BudgetSnapshot, type CallBudgetOptions, type RunOptions } from './call-budget.js';
export type { CallPriority } from './call-queue.js';
export { createBudgetRegistry, accountKey, type BudgetRegistry } from './budget-registry.js';
