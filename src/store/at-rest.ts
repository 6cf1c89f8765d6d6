import { scrubText } from "../scrub.js";
import { isSealed, OpenError, open, seal } from "../secret-box.js";

// Private at rest (docs/encryption.md): the columns and JSON fields that hold what a rep wrote or what a
// CRM said about a deal are sealed with AES-256-GCM on their way into the database and opened on their
// way out. The store knows them by table, column and JSON path only; what they mean is the domain's.

/** A key and what to call it in an error: "TOKEN_ENCRYPTION_KEY" or the key file's path. */
export interface AtRestKey {
  key: Buffer;
  name: string;
  /** Said after a wrong-key error: where the right key may be. */
  hint?: string;
}

/** The key does not open what is stored: a clear message naming the variable or file, never garbage. */
export class AtRestKeyError extends Error {
  override name = "AtRestKeyError";
}

type Path = readonly string[];

/**
 * Text columns sealed whole (a null stays null). A CRM's words about a failed update (`last_error`) may
 * echo the deal's name or fields, as HubSpot's "Property dealname=... is invalid" does.
 */
export const SEALED_TEXT = { reflections: ["question_text", "answer"], deal_inbox: ["last_error"] } as const;

/**
 * String fields sealed inside jsonb columns. Only those fields: the rest stays queryable (the owner's
 * e-mail in deals.state joins owner_links, and forgetting a user searches for it).
 */
export const SEALED_JSON = {
  // A deal update as received: the CRM note, and the deal's name, next step and competitor now and before.
  deal_inbox: {
    payload: [
      ["note"],
      ["deal", "name"],
      ["deal", "nextStep"],
      ["deal", "competitor"],
      ["previous", "name"],
      ["previous", "nextStep"],
      ["previous", "competitor"],
    ],
  },
  deals: {
    state: [
      ["snapshot", "name"],
      ["snapshot", "nextStep"],
      ["snapshot", "competitor"],
    ],
  },
  // A nudge waiting to be sent: the text for the coach carries the note, the summary the deal's name.
  // The deal's fields for the coach carry the competitor and the next step as the CRM wrote them.
  nudges: {
    payload: [
      ["dealName"],
      ["situation"],
      ["trigger", "summary"],
      ["deal", "competitor"],
      ["deal", "next_step"],
    ],
  },
} as const satisfies Record<string, Record<string, readonly Path[]>>;

export class AtRest {
  readonly #key: Buffer;
  readonly #name: string;
  readonly #hint: string | undefined;

  constructor(key: AtRestKey) {
    if (key.key.length !== 32) throw new AtRestKeyError(`${key.name}: must be 32 bytes`);
    this.#key = key.key;
    this.#name = key.name;
    this.#hint = key.hint;
  }

  /** What the key is called in errors. */
  get keyName(): string {
    return this.#name;
  }

  sealText(plaintext: string): string {
    // Scrubbed first, as every stored string is (./scrub-plugin.ts): sealed, the store could not see it.
    return seal(this.#key, scrubText(plaintext));
  }

  /**
   * Opens a sealed value. A value that is not in the sealed form is one written before encryption
   * (or by an older version during an upgrade) and is returned as it is.
   */
  openText(stored: string): string {
    if (!isSealed(stored)) return stored;
    try {
      return open(this.#key, stored);
    } catch (error) {
      if (error instanceof OpenError) throw this.wrongKey();
      throw error;
    }
  }

  /** The same value with each string at the given paths sealed; the input is not changed. */
  sealJson<T>(value: T, paths: readonly Path[]): T {
    return mapPaths(value, paths, (s) => this.sealText(s)) as T;
  }

  openJson<T>(value: T, paths: readonly Path[]): T {
    return mapPaths(value, paths, (s) => this.openText(s)) as T;
  }

  wrongKey(): AtRestKeyError {
    return new AtRestKeyError(
      `${this.#name} is not the key this database's reflections and CRM notes were encrypted with ` +
        "(or the data was altered); set the key used before. A lost key cannot be recovered." +
        (this.#hint ? ` ${this.#hint}` : ""),
    );
  }
}

function mapPaths(value: unknown, paths: readonly Path[], f: (s: string) => string): unknown {
  let out = value;
  for (const path of paths) out = mapAt(out, path, f);
  return out;
}

function mapAt(value: unknown, path: Path, f: (s: string) => string): unknown {
  if (path.length === 0) return typeof value === "string" ? f(value) : value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, head)) return value;
  const next = mapAt(record[head], rest, f);
  return next === record[head] ? value : { ...record, [head]: next };
}
