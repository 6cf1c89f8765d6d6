import { foldLabel } from "../../coaching/stage-map.js";
import { isStage, STAGES, type Stage } from "../../coaching/taxonomy.js";

// A team's stage map, as configured. coaching/stage-map.ts knows the common CRM labels; this file parses
// DEAL_STAGE_MAP: a team's own CRM stage labels (or Pipedrive stage ids) -> the coach's stage ids (docs/method.md), checked before
// the built-in DEFAULT_STAGE_MAP. Parsed once at startup, so a typo stops the process with a clear message
// instead of silently leaving deals without a stage.

export type StageMap = Readonly<Record<string, Stage>>;

export const KNOWN_STAGES = STAGES.join(", ");

/**
 * Parses DEAL_STAGE_MAP: JSON (`{"Negotiation/Review": "negotiation"}`) or a list
 * (`Negotiation/Review=negotiation,Verbal Yes=closing`). Labels containing "," or "=" need the JSON form.
 * Throws an Error naming the entry for anything else, including an unknown stage id.
 */
export function parseStageMap(env: string | undefined): StageMap {
  const text = env?.trim() ?? "";
  if (text === "") return {};
  const entries = /^[[{]/.test(text) ? jsonEntries(text) : listEntries(text);
  const map: Record<string, Stage> = {};
  for (const [label, target] of entries) {
    if (label.trim() === "") throw new Error(`DEAL_STAGE_MAP: an entry has an empty label ("=${target}")`);
    const stage = foldLabel(target).replace(/ /g, "_");
    if (!isStage(stage)) {
      throw new Error(
        `DEAL_STAGE_MAP: "${label}" maps to unknown stage "${target}"; known stage ids: ${KNOWN_STAGES}`,
      );
    }
    map[label.trim()] = stage;
  }
  return map;
}

function jsonEntries(text: string): [string, string][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`DEAL_STAGE_MAP: not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error('DEAL_STAGE_MAP: expected a JSON object like {"Label": "stage_id"}');
  }
  return Object.entries(value).map(([label, target]) => {
    if (typeof target !== "string")
      throw new Error(`DEAL_STAGE_MAP: "${label}" must map to a stage id string`);
    return [label, target];
  });
}

function listEntries(text: string): [string, string][] {
  return text
    .split(",")
    .filter((part) => part.trim() !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      if (eq < 0) throw new Error(`DEAL_STAGE_MAP: "${part.trim()}" is not Label=stage_id`);
      return [part.slice(0, eq), part.slice(eq + 1).trim()];
    });
}
