/**
 * Deleted items found by counts, never by reading every item: `modDate`
 * cannot show a deletion, but a count can. The ids an account saw last
 * (sorted) are split in two halves by rank; one count of the left half's id
 * range (a `getByCriteria` with `limit` 0) tells how many of it are gone,
 * and the right half's count is what remains of its parent's. Only halves
 * that lost items are split again, so finding `d` deletions among `n` ids
 * costs at most `d x ceil(log2 n)` calls, and none when nothing is gone.
 */

/** Counts the items whose id is above `after` (none: from the first) and at most `upTo` (none: to the last). */
export type CountIdRange = (after: number | undefined, upTo: number | undefined) => Promise<number>;

/** The most calls {@link findDeleted} makes for `deleted` deletions among `known` ids. */
export const deletionCallBound = (deleted: number, known: number): number =>
  deleted <= 0 || known <= 1 ? 0 : deleted * Math.ceil(Math.log2(known));

/**
 * The ids of `known` (sorted ascending, no duplicates) that are gone, given
 * how many items there are now in all (`total`, read with the poll). Items
 * created since and not yet seen can hide a deletion until the next poll
 * (the counts balance); they never make a present item look deleted.
 */
export async function findDeleted(known: readonly number[], total: number, count: CountIdRange): Promise<number[]> {
  const gone: number[] = [];
  /** `known[lo..hi]` own the id range above `known[lo - 1]` up to `known[hi]` (open ends at the first and last); `now` items are in it. */
  async function search(lo: number, hi: number, now: number): Promise<void> {
    const size = hi - lo + 1;
    const missing = size - now;
    if (missing <= 0) return;
    if (missing >= size) {
      gone.push(...known.slice(lo, hi + 1));
      return;
    }
    const mid = (lo + hi) >> 1;
    const left = await count(lo === 0 ? undefined : known[lo - 1], known[mid]);
    await search(lo, mid, left);
    await search(mid + 1, hi, now - left);
  }
  if (known.length > 0) await search(0, known.length - 1, total);
  return gone;
}
