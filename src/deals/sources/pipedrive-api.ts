import { z } from "zod";
import type { DealUpdate } from "../types.js";
import { CrmApiError, type CrmFetchOptions, getJson, trimSlash } from "./crm-fetch.js";

// Pipedrive's deal webhooks carry the owner's user id; its email (for the Slack lookup) comes from
// GET /v1/users/{id} with PIPEDRIVE_API_TOKEN.

export const PIPEDRIVE_API_URL = "https://api.pipedrive.com";

export interface PipedriveApiOptions extends CrmFetchOptions {
  apiToken: string;
  /** PIPEDRIVE_API_URL; defaults to Pipedrive's. */
  apiUrl?: string;
}

const UserResponse = z.object({ data: z.object({ email: z.string().nullish() }) });

/** The user's email, lower-cased. Throws CrmApiError on a timeout, an error status or no email. */
export async function pipedriveOwnerEmail(
  ownerId: string | number,
  options: PipedriveApiOptions,
): Promise<string> {
  const path = `/v1/users/${encodeURIComponent(String(ownerId))}`;
  const url = `${trimSlash(options.apiUrl ?? PIPEDRIVE_API_URL)}${path}?api_token=${encodeURIComponent(options.apiToken)}`;
  // The label, not the URL, goes into errors: the URL carries the token.
  const user = UserResponse.safeParse(await getJson(url, `Pipedrive GET ${path}`, {}, options));
  if (!user.success || !user.data.data.email) {
    throw new CrmApiError(`Pipedrive GET ${path} answered without an email`, 200, false);
  }
  return user.data.data.email.toLowerCase();
}

/** Fills deal.ownerEmail from the update's Pipedrive owner id; other updates come back unchanged. */
export async function withPipedriveOwner(
  update: DealUpdate,
  options: PipedriveApiOptions,
): Promise<DealUpdate> {
  if (update.ownerRef?.crm !== "pipedrive" || update.deal.ownerEmail) return update;
  const ownerEmail = await pipedriveOwnerEmail(update.ownerRef.id, options);
  return { ...update, deal: { ...update.deal, ownerEmail } };
}
