import { fnv1a } from "./hash.js";
import type { CaringQuestion, Library } from "./library.js";
import type { PersonReading } from "./person.js";

// Which caring questions go to a rep who wrote about themselves (docs/person.md): one or two, never
// more. Questions written for the reading come first ("How are you holding up with everything going
// on?" after a bereavement, not "What would make this week feel lighter?"); the ones asked recently are
// skipped while others remain; a hash of the text rotates among the rest, so the same words always get
// the same questions (determinism) while different words vary.

export const MAX_CARING_QUESTIONS = 2;

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const at = by % items.length;
  return [...items.slice(at), ...items.slice(0, at)];
}

export function chooseCaring(
  library: Library,
  reading: PersonReading,
  text: string,
  options: { history?: readonly string[]; user?: string; maxQuestions?: number } = {},
): CaringQuestion[] {
  const max = Math.min(MAX_CARING_QUESTIONS, Math.max(1, options.maxQuestions ?? MAX_CARING_QUESTIONS));
  const main = reading.kinds[0];
  const seed = fnv1a(`${text}\u0000${options.user ?? ""}`);
  const recent = new Set(options.history ?? []);
  const fitting = library.person.filter((q) => main !== undefined && q.kinds.includes(main));
  // Only questions written for the reading, unless an organisation's library left none for it.
  const candidates = rotate(fitting.length > 0 ? fitting : library.person, seed);
  // Not asked recently first; a rep who keeps writing about a hard time may get one again.
  return [
    ...candidates.filter((q) => !recent.has(q.id)),
    ...candidates.filter((q) => recent.has(q.id)),
  ].slice(0, max);
}
