/**
 * The filter "my clients": for a user who is a manager, the items of the clients they are
 * responsible for; for anyone else (an administrator), everything.
 */
export function mineOnly(
  managerId: string | null,
  clients: readonly { id: string; managerId: string | null }[] | undefined,
): (item: { counterpartyId: string }) => boolean {
  if (!managerId || !clients) return () => true;
  const mine = new Set(clients.filter((c) => c.managerId === managerId).map((c) => c.id));
  return (item) => mine.has(item.counterpartyId);
}
