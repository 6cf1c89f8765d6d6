import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { BOT_EVENTS, BOT_SCOPES } from "../../src/slack/app.js";

// manifest.yml is imported as is ("Create New App -> From a manifest"): it must ask for exactly what the
// code uses, no more (admins approve every scope) and no less (a feature would silently not work).
const manifest = parse(readFileSync(join(PACKAGE_ROOT, "manifest.yml"), "utf8"));

describe("manifest.yml", () => {
  it("asks for exactly the scopes and events the code uses", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...BOT_SCOPES].sort());
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([...BOT_EVENTS].sort());
  });

  it("turns on Socket Mode, Home and Messages tabs, interactivity and /coach", () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(["/coach"]);
  });

  it("keeps within Slack's field limits", () => {
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
    expect(manifest.display_information.long_description.length).toBeLessThanOrEqual(4000);
  });
});
