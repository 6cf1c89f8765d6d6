// Text that PostgreSQL cannot store. A NUL byte is refused by every text and jsonb value, and a lone
// UTF-16 surrogate (half of an emoji, cut or forged) is refused by jsonb (as a \uD800 escape) and turns
// into an encoding error elsewhere. Such input comes from outside (a CRM, Slack, a person typing), so it
// is repaired, never allowed to fail a write: each offending code unit becomes U+FFFD, the replacement
// character, as a UTF-8 decoder does with bytes it cannot read. Pure and linear: one pass, no regex.

export const REPLACEMENT = "\uFFFD";

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** The first index of a NUL or lone surrogate in `s`, or -1 when it can be stored as it is. */
export function firstUnstorable(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return i;
    if (isHigh(c)) {
      if (isLow(s.charCodeAt(i + 1))) i++;
      else return i;
    } else if (isLow(c)) return i;
  }
  return -1;
}

/** `s` with every NUL and lone surrogate replaced by U+FFFD; the same string when there was none. */
export function scrubText(s: string): string {
  let i = firstUnstorable(s);
  if (i < 0) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isHigh(c) && isLow(s.charCodeAt(i + 1))) {
      out += s.slice(i, i + 2);
      i++;
    } else if (c === 0 || isHigh(c) || isLow(c)) out += REPLACEMENT;
    else out += s[i];
  }
  return out;
}

/**
 * A JSON-like value with every string (keys too) scrubbed; the same object when nothing needed it, so
 * that clean input costs one walk and no copies.
 */
export function scrubDeep<T>(value: T): T {
  return scrubValue(value) as T;
}

function scrubValue(value: unknown): unknown {
  if (typeof value === "string") return scrubText(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = scrubValue(item);
      if (clean !== item) {
        copy ??= [...value];
        copy[i] = clean;
      }
    });
    return copy ?? value;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    let copy: Record<string, unknown> | undefined;
    const entries = Object.entries(value);
    for (const [key, item] of entries) {
      const cleanKey = scrubText(key);
      const clean = scrubValue(item);
      if (clean !== item || cleanKey !== key) copy = {};
    }
    if (!copy) return value;
    for (const [key, item] of entries) copy[scrubText(key)] = scrubValue(item);
    return copy;
  }
  return value;
}
