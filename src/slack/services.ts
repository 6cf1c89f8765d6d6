import type { Library } from "../coaching/library.js";
import type { Config } from "../config.js";
import type { Coacher } from "../llm/coacher.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/types.js";
import type { WorkQueue } from "./work-queue.js";

/** What listeners need, handed to each register(app, services). */
export interface Services {
  library: Library;
  /** Situation -> questions on every surface: the library alone, or the model path (docs/llm.md). */
  coacher: Coacher;
  store: Store;
  logger: Logger;
  /** The bounded queue every listener's post-ack work goes through. */
  work: WorkQueue;
  config: Config;
  /** Wakes the deal processor and nudge sender (after /coach link, a deal-channel message, ...). */
  wakeDeals?: () => void;
}
