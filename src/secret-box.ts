import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

// The one place Deal Coach encrypts: AES-256-GCM with a fresh 96-bit IV per value, sealed as
// "v1.<iv>.<tag>.<data>" in base64. GCM authenticates: a wrong key or an altered value fails to open,
// it never decrypts to garbage. Used for bot tokens (installations) and for reflections and CRM notes
// at rest (docs/encryption.md).

const VERSION = "v1";
/** 12-byte IV and 16-byte tag in padded base64; the data may be empty. */
const SEALED = /^v1\.[A-Za-z0-9+/]{16}\.[A-Za-z0-9+/]{22}==\.[A-Za-z0-9+/]*={0,2}$/;

/** A sealed value did not open: the key is not the one it was sealed with, or the value was altered. */
export class OpenError extends Error {}

export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64"),
    cipher.getAuthTag().toString("base64"),
    data.toString("base64"),
  ].join(".");
}

/** Whether a value has the exact shape seal() produces. */
export function isSealed(value: string): boolean {
  return SEALED.test(value);
}

export function open(key: Buffer, sealed: string): string {
  if (!isSealed(sealed)) throw new OpenError("not a sealed value");
  const [, iv, tag, data] = sealed.split(".") as [string, string, string, string];
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new OpenError("the value does not open with this key");
  }
}

/** A 32-byte key given as 64 hex characters or base64; undefined when it is neither. */
export function parseKey(value: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, "hex");
  const b = Buffer.from(value, "base64");
  return b.length === 32 ? b : undefined;
}
