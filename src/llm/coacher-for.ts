import type { Library } from "../coaching/library.js";
import type { Logger } from "../logger.js";
import type { TokenLedger } from "../store/types.js";
import { type Coacher, libraryCoacher } from "./coacher.js";
import { modelCoacher } from "./model-coacher.js";
import type { LlmSettings } from "./settings.js";

/**
 * The coacher every surface uses: the model path when OPENAI_API_KEY is set (settings present), else the
 * library alone. No client is made and no request is ever sent without a key.
 */
export function coacherFor(
  library: Library,
  settings: LlmSettings | undefined,
  usage: TokenLedger,
  logger: Logger,
): Coacher {
  if (!settings) return libraryCoacher(library);
  logger.info({ model: settings.model, timeoutMs: settings.timeoutMs }, "model path on");
  return modelCoacher({ library, settings, ledger: usage, logger });
}
