import type { Library } from "../coaching/library.js";
import type { Logger } from "../logger.js";
import type { TokenLedger } from "../store/types.js";
import { type Coacher, libraryCoacher } from "./coacher.js";
import { modelCoacher } from "./model-coacher.js";
import type { LlmSettings } from "./settings.js";

/**
 * The coacher every surface uses: the model path when OPENAI_API_KEY is set (settings present), else the
 * library alone (also with LLM_DAILY_TOKEN_CAP=0). No client is made and no request is ever sent without
 * a key.
 */
export function coacherFor(
  library: Library,
  settings: LlmSettings | undefined,
  usage: TokenLedger,
  logger: Logger,
): Coacher {
  // A cap of 0 is the model switched off: no "thinking" placeholder for a call that is never made.
  if (!settings || settings.dailyTokenCap === 0) return libraryCoacher(library);
  logger.info({ model: settings.model, timeoutMs: settings.timeoutMs }, "model path on");
  return modelCoacher({ library, settings, ledger: usage, logger });
}
