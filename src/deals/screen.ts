import { firstUnstorable, scrubDeep } from "../scrub.js";
import type { DealUpdate } from "./types.js";

// What a webhook delivery may carry into the inbox. A NUL byte or a lone surrogate (see ../scrub.ts)
// in free text (a name, a note, a stage label, an email) is replaced by U+FFFD: the rest of the text is
// still worth coaching on. In an id it is refused instead: an id is a key, not text. The inbox dedupes
// on the event id and processes a deal's updates in order by the deal id; the CRM's API is asked about
// the deal and the owner by their ids. Two ids that differ only where they were repaired would become
// one (a real event taken for a duplicate, two deals merged), and a repaired id names nothing in the
// CRM. Such an item is rejected on its own, naming the field; the rest of its batch is stored.

export interface Rejected {
  /** The item's position among the delivery's updates (0-based). */
  item: number;
  field: "event id" | "deal id" | "owner id";
  error: string;
}

const IDS: Array<[Rejected["field"], (u: DealUpdate) => string | undefined]> = [
  ["event id", (u) => u.eventId],
  ["deal id", (u) => u.deal.id],
  ["owner id", (u) => u.ownerRef?.id],
];

export function screenUpdates(updates: readonly DealUpdate[]): {
  clean: DealUpdate[];
  rejected: Rejected[];
} {
  const clean: DealUpdate[] = [];
  const rejected: Rejected[] = [];
  updates.forEach((update, item) => {
    for (const [field, read] of IDS) {
      const value = read(update);
      if (value !== undefined && firstUnstorable(value) >= 0) {
        rejected.push({ item, field, error: `the ${field} contains a NUL byte or a lone surrogate` });
        return;
      }
    }
    clean.push(scrubDeep(update));
  });
  return { clean, rejected };
}
