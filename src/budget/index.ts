export {
  CallBudget, BudgetWaitError, type BudgetReading, type BudgetSnapshot, type CallBudgetOptions, type RunOptions,
} from './call-budget.js';
export type { CallPriority } from './call-queue.js';
export { createBudgetRegistry, type BudgetRegistry } from './budget-registry.js';
export { defaultInteractiveReserve, type WindowStore, type WindowState, type TakeRequest, type TakeVerdict } from './window-store.js';
export { MemoryWindowStore } from './memory-window-store.js';
