/** Waits until `check` holds (for work on its own clock: a feed's polls, a lease lapsing), asking every `stepMs`; throws after `ms`. */
export async function until(check: () => Promise<boolean>, ms = 10_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
