import type { DealSnapshot } from "../types.js";

// What a source says about a deal's fields, before it becomes a DealSnapshot. Three states matter when
// working out which fields changed: a value, null ("explicitly empty", e.g. a cleared close date), and
// absent ("the source did not say"). `owner` is the CRM's owner id, kept apart because the snapshot only
// holds the owner's email, which is looked up later.

export type SnapshotField = Exclude<keyof DealSnapshot, "id">;
export type Stated = { [K in SnapshotField]?: DealSnapshot[K] | null } & { owner?: string | null };

/** In DealSnapshot order, so changedFields reads the same way for every source. */
const FIELDS: readonly SnapshotField[] = [
  "name",
  "stage",
  "stageLabel",
  "amount",
  "currency",
  "closeDate",
  "ownerEmail",
  "nextStep",
  "lastActivityAt",
  "forecastCategory",
  "discountPercent",
  "competitor",
  "contactCount",
  "status",
];

/** The snapshot fields with a value (nulls and the owner id dropped). */
export function present(stated: Stated): Partial<Omit<DealSnapshot, "id">> {
  const out: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = stated[field];
    if (value !== undefined && value !== null) out[field] = value;
  }
  return out as Partial<Omit<DealSnapshot, "id">>;
}

/**
 * Which fields changed, in DealSnapshot names. With `previous`, a field changed when both sides state it and
 * the values differ (a field only one side mentions is not known to have changed). Without it, every field
 * the current state gives a value counts, as for a new deal. A changed owner id is reported as "ownerEmail".
 */
export function changedFields(current: Stated, previous?: Stated): string[] {
  const changed = new Set<string>();
  for (const field of [...FIELDS, "owner"] as const) {
    const now = current[field];
    const before = previous?.[field];
    const differs = previous
      ? now !== undefined && before !== undefined && now !== before
      : now !== undefined && now !== null;
    if (differs) changed.add(field === "owner" ? "ownerEmail" : field);
  }
  return FIELDS.filter((f) => changed.has(f));
}

/** Every field a source states, including the ones it clears: a HubSpot property change says exactly this. */
export function statedFields(stated: Stated): string[] {
  const named = new Set<string>();
  for (const [field, value] of Object.entries(stated)) {
    if (value !== undefined) named.add(field === "owner" ? "ownerEmail" : field);
  }
  return FIELDS.filter((f) => named.has(f));
}
