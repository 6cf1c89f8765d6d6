// The two CRM API reads (HubSpot deal + owner, Pipedrive user) are plain GETs, so they use fetch rather than
// the vendors' SDKs: no large dependency (the HubSpot client's Node version floor among others), and tests
// point `apiUrl` at a loopback fake. Failures throw CrmApiError; the inbox retries those marked retryable.

export interface CrmFetchOptions {
  /** Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Per request; defaults to 5000. */
  timeoutMs?: number;
}

export class CrmApiError extends Error {
  override readonly name = "CrmApiError";
  constructor(
    message: string,
    /** The HTTP status, when the CRM answered. */
    readonly status: number | undefined,
    /** Worth retrying: a timeout, a network error, 429 or 5xx. A 4xx or a malformed answer is not. */
    readonly retryable: boolean,
    /**
     * The CRM's own words about the failure (its error body, cut short), for the inbox's `last_error`
     * that operators read with `deal-coach inbox`. Kept out of the message, which is logged: a CRM may
     * echo deal names or field values in it (README "What the logs hold").
     */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * GETs JSON. `label` names the request in errors ("HubSpot GET /crm/v3/owners/7"); it is used instead of
 * the URL because Pipedrive's URL carries the API token.
 */
export async function getJson(
  url: string,
  label: string,
  headers: Record<string, string>,
  options: CrmFetchOptions,
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      headers: { accept: "application/json", ...headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const reason =
      e.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : `failed: ${networkReason(e)}`;
    throw new CrmApiError(`${label} ${reason}`, undefined, true);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw new CrmApiError(
      `${label}: reading the response failed: ${(err as Error).message}`,
      undefined,
      true,
    );
  }
  if (!response.ok) {
    const retryable = response.status === 429 || response.status >= 500;
    const detail = text.trim().slice(0, 200);
    throw new CrmApiError(
      `${label} answered ${response.status}`,
      response.status,
      retryable,
      detail || undefined,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CrmApiError(
      `${label} answered ${response.status} with a body that is not JSON`,
      response.status,
      false,
    );
  }
}

function networkReason(err: Error & { cause?: { code?: string } }): string {
  return err.cause?.code ? `${err.message} (${err.cause.code})` : err.message;
}

export function trimSlash(url: string): string {
  // From the first slash of the run only: `/\/+$/` re-read the run from each slash (quadratic).
  return url.replace(/(?<!\/)\/+$/, "");
}
