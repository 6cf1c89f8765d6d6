import type { Library } from "../coaching/library.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/types.js";
import type { WorkTracker } from "./work-tracker.js";

/** What listeners need, handed to each register(app, services). */
export interface Services {
  library: Library;
  store: Store;
  logger: Logger;
  tracker: WorkTracker;
  config: Config;
  /** Wakes the deal processor and nudge sender (after /coach link, a deal-channel message, ...). */
  wakeDeals?: () => void;
}
