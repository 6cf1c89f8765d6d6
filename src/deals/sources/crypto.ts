import { createHash, createHmac, timingSafeEqual } from "node:crypto";

// Signature and credential checks. Both sides are hashed to 32 bytes before timingSafeEqual: that guards the
// length check timingSafeEqual needs and leaks neither the expected value's content nor its length.

export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function hmacSha256(secret: string, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac("sha256", secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** How far `timestampMs` is from `now`, in whole seconds, when it is outside ±windowMs; else undefined. */
export function outsideWindow(timestampMs: number, now: Date, windowMs: number): number | undefined {
  const skew = now.getTime() - timestampMs;
  return Math.abs(skew) > windowMs ? Math.sign(skew) * Math.ceil(Math.abs(skew) / 1000) : undefined;
}

/** Five minutes either way: the replay window for every signed source. */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;
