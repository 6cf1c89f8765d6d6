import type { App } from "@slack/bolt";
import type { Services } from "../../services.js";
import { coachCommand } from "./coach-command.js";

export function register(app: App, services: Services): void {
  app.command("/coach", coachCommand(services));
}
