import { context } from "./kit.js";
import type { Rendered } from "./messages.js";

// What the rep sees while a model reads their situation (docs/replies.md): short and kind, and replaced
// by the reply itself, never left on its own.

export const THINKING_TEXT = "Thinking about your deal…";

export function thinkingMessage(): Rendered {
  return { text: THINKING_TEXT, blocks: [context([`_${THINKING_TEXT}_`])] };
}

/**
 * Under a reply whose coacher failed its promise (it rejected, or never answered): the rep still gets
 * questions, from the library, and a word on why they may read more generally than usual.
 */
export const LIBRARY_NOTE =
  "I couldn't fit these to your deal just now, so they come straight from my question library.";
