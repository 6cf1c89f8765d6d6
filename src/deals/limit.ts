/**
 * Runs `fn` over items with at most `limit` in flight. The embedded store has a single connection, so
 * unbounded parallel work would queue every query ahead of incoming webhooks; a small limit overlaps
 * the network waits (CRM and Slack calls) while keeping that queue short.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(lanes);
}
