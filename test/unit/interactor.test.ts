import { describe, expect, it } from "vitest";
import { interactor } from "../../src/slack/listeners/who.js";

describe("interactor", () => {
  it("takes the payload's team first", () => {
    expect(interactor({ team: { id: "T1" }, user: { id: "U1", team_id: "T2" } })).toEqual({
      teamId: "T1",
      userId: "U1",
    });
  });
  it("falls back to the user's team when the payload's is null (org-wide install)", () => {
    expect(interactor({ team: null, user: { id: "U1", team_id: "T2" } })).toEqual({
      teamId: "T2",
      userId: "U1",
    });
  });
  it("gives an empty team when Slack names none", () => {
    expect(interactor({ team: null, user: { id: "U1" } })).toEqual({ teamId: "", userId: "U1" });
  });
});
