import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import { open as decrypt, seal as encrypt } from "../secret-box.js";
import type { Store } from "../store/types.js";

// OAuth installations in the database, bot tokens encrypted at rest with AES-256-GCM. Keyed by enterprise
// id for org-wide installs, else by team id (PLATFORM.md 2.10). Token rotation needs nothing extra here:
// Bolt's InstallProvider refreshes and calls storeInstallation with the new tokens.

// The cipher is shared with the other data sealed at rest (src/secret-box.ts).
export { open as decrypt, seal as encrypt } from "../secret-box.js";

function keyOf(q: { isEnterpriseInstall?: boolean; enterpriseId?: string; teamId?: string }): string {
  const key = q.isEnterpriseInstall ? q.enterpriseId : q.teamId;
  if (!key) throw new Error("installation query has neither a team nor an enterprise id");
  return key;
}

export function databaseInstallationStore(store: Store, encryptionKey: Buffer): InstallationStore {
  return {
    async storeInstallation(installation: Installation) {
      const key = keyOf({
        isEnterpriseInstall: installation.isEnterpriseInstall,
        enterpriseId: installation.enterprise?.id,
        teamId: installation.team?.id,
      });
      await store.saveInstallation(key, encrypt(encryptionKey, JSON.stringify(installation)));
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const sealed = await store.fetchInstallation(keyOf(query));
      if (!sealed) throw new Error("no installation for this workspace");
      return JSON.parse(decrypt(encryptionKey, sealed)) as Installation;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await store.deleteInstallation(keyOf(query));
    },
  };
}
