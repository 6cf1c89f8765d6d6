// Deal-update sources: verify a webhook delivery, parse it into DealUpdates, and (for HubSpot and
// Pipedrive) complete the owner and deal from the CRM's API. No HTTP server or storage here.

export { CrmApiError, type CrmFetchOptions } from "./crm-fetch.js";
export type { ParseResult, VerifyResult, WebhookRequest } from "./errors.js";
export {
  DEALS_SIGNATURE_HEADER,
  DEALS_TIMESTAMP_HEADER,
  parseDeals,
  signDeals,
  verifyDeals,
} from "./generic.js";
export { MAX_UPDATES } from "./generic-schema.js";
export {
  enrichHubSpot,
  type HubSpotApiOptions,
  type HubSpotParseOptions,
  type HubSpotVerifyOptions,
  hubspotOwnerEmail,
  MAX_HUBSPOT_EVENTS,
  parseHubSpot,
  signHubSpot,
  verifyHubSpot,
} from "./hubspot.js";
export {
  type PipedriveApiOptions,
  type PipedriveCredentials,
  type PipedriveParseOptions,
  parsePipedrive,
  pipedriveOwnerEmail,
  verifyPipedrive,
  withPipedriveOwner,
} from "./pipedrive.js";
export { parseStageMap, type StageMap } from "./team-stage-map.js";
