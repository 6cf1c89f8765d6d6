import { UsageError } from "./cli-args.js";
import type { Library } from "./coaching/library.js";
import { ConfigError } from "./config.js";
import { type Coacher, libraryCoacher } from "./llm/coacher.js";
import type { CallReport } from "./llm/model-coacher.js";
import { readLlmSettings } from "./llm/settings.js";

// The CLI's choice of coacher (README "Optional: a model"): the model whenever OPENAI_API_KEY is set, as
// the bot does; --no-llm turns it off for one run; --llm insists on it and fails without a key. The
// model path (and the openai SDK) is loaded only when it is used, so library runs start as fast as before.

export const NO_KEY_MESSAGE =
  '--llm needs OPENAI_API_KEY (set OPENAI_BASE_URL too for Azure OpenAI, Ollama or another server); see README "Optional: a model"';

/** The team id the CLI counts its tokens under (in memory, for the one run). */
export const CLI_TEAM = "cli";

export interface ModelFlags {
  llm?: boolean;
  noLlm?: boolean;
  /** When no flag is given: use the model if a key is set ("ask"), or only on --llm ("eval"). */
  byDefault: boolean;
}

export async function cliCoacher(
  library: Library,
  flags: ModelFlags,
  onCall?: (report: CallReport) => void,
): Promise<Coacher> {
  if (flags.llm && flags.noLlm) throw new UsageError("give --llm or --no-llm, not both");
  const read = readLlmSettings(process.env);
  if (!read.ok) throw new ConfigError(read.problems, { envFile: true });
  if (flags.llm && !read.settings) throw new UsageError(NO_KEY_MESSAGE);
  const wanted = flags.llm || (!flags.noLlm && flags.byDefault);
  if (!wanted || !read.settings) return libraryCoacher(library);
  const { modelCoacher, memoryLedger } = await import("./llm/model-coacher.js");
  const { createLogger } = await import("./logger.js");
  // Silent: stdout is the CLI's answer, and what a call did is in `eval`'s report.
  return modelCoacher({
    library,
    settings: read.settings,
    ledger: memoryLedger(),
    logger: createLogger("silent"),
    onCall,
  });
}
