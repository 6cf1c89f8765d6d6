import type { DealCoachApp } from "../../context.js";
import type { Services } from "../../services.js";
import { coachCommand } from "./coach-command.js";

export function register(app: DealCoachApp, services: Services): void {
  app.command("/coach", coachCommand(services));
}
