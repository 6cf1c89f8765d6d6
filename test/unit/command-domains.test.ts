import { describe, expect, it } from "vitest";
import { linkCommand } from "../../src/deals/link-command.js";
import { nudgesCommand } from "../../src/deals/nudges-command.js";
import { inviteOnce, type WeeklyAdminStore, weeklyAdmin } from "../../src/reflection/weekly-admin.js";
import type { Store, UserRecord } from "../../src/store/types.js";

// The domain halves of /coach weekly default|invite, the one-time invitation and /coach link: what they
// decide, against plain fakes of the store and the workspace.

const KEY = { teamId: "T1", userId: "UADMIN" };

function fakeStore(
  opts: {
    optedIn?: string[];
    invited?: string[];
    defaults?: { day: number | null; time: string | null };
  } = {},
) {
  const invited = new Set(opts.invited ?? []);
  const defaultsSet: unknown[] = [];
  const store: WeeklyAdminStore = {
    getUser: async ({ userId }) =>
      opts.optedIn?.includes(userId)
        ? ({ settings: { weekly: { enabled: true } } } as UserRecord)
        : undefined,
    weekly: {
      markInvited: async ({ userId }) => {
        if (invited.has(userId)) return false;
        invited.add(userId);
        return true;
      },
      setWorkspaceDefaults: async (_team, d) => void defaultsSet.push(d),
      workspaceDefaults: async () => ({ ...(opts.defaults ?? { day: null, time: null }), tz: null }),
    },
  };
  return { store, invited, defaultsSet };
}

const people = (admin: boolean, members: string[] = [], bots: string[] = []) => ({
  isAdmin: async () => admin,
  members: async () => members,
  isPerson: async (userId: string) => !bots.includes(userId),
});

describe("weeklyAdmin", () => {
  it("refuses a non-admin, changing nothing", async () => {
    const { store, defaultsSet } = fakeStore();
    const sent: string[] = [];
    const outcome = await weeklyAdmin(
      { store, people: people(false, ["U1"]), invite: async (u) => void sent.push(u) },
      KEY,
      "default fri 15:00",
    );
    expect(outcome).toEqual({ kind: "not-admin" });
    expect(defaultsSet).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("sets the workspace default day and time, and explains a default it can't read", async () => {
    const { store, defaultsSet } = fakeStore();
    const deps = { store, people: people(true), invite: async () => undefined };
    expect(await weeklyAdmin(deps, KEY, "default fri 15:00")).toEqual({
      kind: "default-set",
      day: 5,
      time: "15:00",
    });
    expect(defaultsSet).toEqual([{ day: 5, time: "15:00" }]);
    expect(await weeklyAdmin(deps, KEY, "default")).toEqual({ kind: "default-usage" });
    expect(await weeklyAdmin(deps, KEY, "default someday")).toEqual({ kind: "default-usage" });
    expect(defaultsSet).toHaveLength(1);
  });

  it("invites a channel's people once: not the opted in, not the already invited, not bots", async () => {
    const { store } = fakeStore({ optedIn: ["U2"], invited: ["U3"] });
    const sent: string[] = [];
    const deps = {
      store,
      people: people(true, ["U1", "U2", "U3", "UBOT", "U4"], ["UBOT"]),
      invite: async (u: string) => void sent.push(u),
    };
    expect(await weeklyAdmin(deps, KEY, "invite <#C0123456|deals>")).toEqual({
      kind: "invited",
      channel: "C0123456",
      count: 2,
    });
    expect(sent).toEqual(["U1", "U4"]);
    // A second invite to the same channel reaches no one.
    expect(await weeklyAdmin(deps, KEY, "invite C0123456")).toEqual({
      kind: "invited",
      channel: "C0123456",
      count: 0,
    });
    expect(await weeklyAdmin(deps, KEY, "invite the sales team")).toEqual({ kind: "invite-usage" });
  });
});

describe("inviteOnce", () => {
  it("invites once with the workspace default, never again and never the opted in", async () => {
    const { store } = fakeStore({ optedIn: ["U9"], defaults: { day: 2, time: "09:30" } });
    const offers: unknown[] = [];
    const invite = async (when: unknown) => void offers.push(when);
    expect(await inviteOnce(store, { teamId: "T1", userId: "U1" }, invite)).toBe(true);
    expect(await inviteOnce(store, { teamId: "T1", userId: "U1" }, invite)).toBe(false);
    expect(await inviteOnce(store, { teamId: "T1", userId: "U9" }, invite)).toBe(false);
    expect(offers).toEqual([{ day: 2, time: "09:30" }]);
  });
});

describe("linkCommand", () => {
  it("reads a Slack mailto link, and never asks the CRM or Slack about something that isn't an e-mail", async () => {
    const claimed: unknown[] = [];
    let profileAsked = 0;
    const deals = {
      links: {
        claim: async (...a: unknown[]) => {
          claimed.push(a);
          return "linked" as const;
        },
      },
      assignOwner: async () => 3,
    } as unknown as Parameters<typeof linkCommand>[0];
    const profile = async () => {
      profileAsked++;
      return { email: "ann@acme.com" };
    };
    const key = { teamId: "T1", userId: "U1" };
    const linked = await linkCommand(deals, profile, key, "<mailto:Ann@Acme.com|Ann@Acme.com>");
    expect(linked).toEqual({ reply: expect.stringContaining("3 waiting nudges will follow"), tried: true });
    expect(claimed).toEqual([["T1", "ann@acme.com", "U1", "link"]]);
    for (const bad of ["", "ann", "ann@acme", "ann@.com", "a@b.", "<@U123>"]) {
      expect((await linkCommand(deals, profile, key, bad)).tried).toBe(false);
    }
    expect(profileAsked).toBe(1);
  });
});

describe("nudgesCommand", () => {
  it("lets only an admin set the workspace default, and explains anything else", async () => {
    const defaults: unknown[] = [];
    const store = {
      deals: { setNudgesDefaultOn: async (...a: unknown[]) => void defaults.push(a) },
    } as unknown as Store;
    const key = { teamId: "T1", userId: "U1" };
    const now = new Date();
    const asAdmin = { store, isAdmin: async () => true };
    const asRep = { store, isAdmin: async () => false };
    expect(await nudgesCommand(asRep, key, " default on", now)).toEqual({ kind: "not-admin" });
    expect(defaults).toEqual([]);
    expect(await nudgesCommand(asAdmin, key, " DEFAULT off", now)).toEqual({
      kind: "default-set",
      on: false,
    });
    expect(defaults).toEqual([["T1", false]]);
    for (const rest of ["", " maybe", " on please", " default", " default yes"]) {
      expect(await nudgesCommand(asAdmin, key, rest, now)).toEqual({ kind: "usage" });
    }
    expect(defaults).toHaveLength(1);
  });
});
