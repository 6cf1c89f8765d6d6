// A stable 32-bit hash for deterministic choices (docs/method.md): the same words always get the same
// questions, with no Math.random and no process state. Pure, so coaching and reflection can share it.

/** FNV-1a over UTF-16 code units, 32 bits, unsigned. */
export function fnv1a(input: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
