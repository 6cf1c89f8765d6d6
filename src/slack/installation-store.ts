import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import { open as decrypt, seal as encrypt } from "../secret-box.js";
import type { Store } from "../store/types.js";

// OAuth installations in the database, bot tokens encrypted at rest with AES-256-GCM. Keyed by enterprise
// id for org-wide installs, else by team id. Token rotation (refreshing an expiring pair and storing the
// new one) goes through src/slack/tokens.ts, which seals and opens records with the helpers below.

// The cipher is shared with the other data sealed at rest (src/secret-box.ts).
export { open as decrypt, seal as encrypt } from "../secret-box.js";

/** An installation as stored: JSON, encrypted. */
export function sealInstallation(key: Buffer, installation: Installation): string {
  return encrypt(key, JSON.stringify(installation));
}

export function openInstallation(key: Buffer, sealed: string): Installation {
  return JSON.parse(decrypt(key, sealed)) as Installation;
}

/** The row key of an installation: the enterprise id for org-wide installs, else the team id. */
export function installationKeyOf(q: {
  isEnterpriseInstall?: boolean;
  enterpriseId?: string;
  teamId?: string;
}): string {
  const key = q.isEnterpriseInstall ? q.enterpriseId : q.teamId;
  if (!key) throw new Error("installation query has neither a team nor an enterprise id");
  return key;
}

export function databaseInstallationStore(store: Store, encryptionKey: Buffer): InstallationStore {
  return {
    async storeInstallation(installation: Installation) {
      const key = installationKeyOf({
        isEnterpriseInstall: installation.isEnterpriseInstall,
        enterpriseId: installation.enterprise?.id,
        teamId: installation.team?.id,
      });
      await store.saveInstallation(key, sealInstallation(encryptionKey, installation));
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const sealed = await store.fetchInstallation(installationKeyOf(query));
      if (!sealed) throw new Error("no installation for this workspace");
      return openInstallation(encryptionKey, sealed);
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await store.deleteInstallation(installationKeyOf(query));
    },
  };
}
