import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseInstallationStore, decrypt, encrypt } from "../../src/slack/installation-store.js";
import type { Store } from "../../src/store/types.js";
import { testStore } from "../support/store.js";

const key = randomBytes(32);
const installation = {
  team: { id: "T_OAUTH", name: "Acme" },
  enterprise: undefined,
  user: { id: "U1", token: undefined, scopes: undefined },
  bot: {
    token: "xoxb-secret-bot-token",
    refreshToken: "xoxe-refresh",
    expiresAt: 1_800_000_000,
    scopes: ["commands"],
    id: "B1",
    userId: "UB1",
  },
  tokenType: "bot" as const,
  isEnterpriseInstall: false,
  appId: "A1",
  authVersion: "v2" as const,
};

describe("installation store", () => {
  let store: Store;
  beforeAll(async () => {
    store = await testStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it("encrypts with AES-256-GCM and refuses a wrong key or a tampered record", () => {
    const sealed = encrypt(key, "xoxb-secret");
    expect(sealed).not.toContain("xoxb");
    expect(decrypt(key, sealed)).toBe("xoxb-secret");
    expect(() => decrypt(randomBytes(32), sealed)).toThrow();
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64");
    expect(() => decrypt(key, parts.join("."))).toThrow();
  });

  it("stores installations with tokens encrypted at rest, keyed by team, and deletes them", async () => {
    const installs = databaseInstallationStore(store, key);
    await installs.storeInstallation(installation as never);
    const raw = await store.fetchInstallation("T_OAUTH");
    expect(raw).toBeDefined();
    expect(raw).not.toContain("xoxb-secret-bot-token");
    expect(raw).not.toContain("xoxe-refresh");
    const fetched = await installs.fetchInstallation({
      teamId: "T_OAUTH",
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(fetched.bot?.token).toBe("xoxb-secret-bot-token");
    // Token rotation: the refresh token and expiry survive, so src/slack/tokens.ts can refresh them.
    expect(fetched.bot?.refreshToken).toBe("xoxe-refresh");
    expect(fetched.bot?.expiresAt).toBe(1_800_000_000);
    await installs.deleteInstallation?.({
      teamId: "T_OAUTH",
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    await expect(
      installs.fetchInstallation({ teamId: "T_OAUTH", enterpriseId: undefined, isEnterpriseInstall: false }),
    ).rejects.toThrow();
  });

  it("keys an org-wide install by its enterprise id", async () => {
    const installs = databaseInstallationStore(store, key);
    await installs.storeInstallation({
      ...installation,
      team: undefined,
      enterprise: { id: "E1", name: "Org" },
      isEnterpriseInstall: true,
    } as never);
    expect(await store.fetchInstallation("E1")).toBeDefined();
  });
});
