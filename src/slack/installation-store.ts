import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import type { Store } from "../store/types.js";

// OAuth installations in the database, bot tokens encrypted at rest with AES-256-GCM. Keyed by enterprise
// id for org-wide installs, else by team id. Token rotation (refreshing an expiring pair and storing the
// new one) goes through src/slack/tokens.ts, which seals and opens records with the helpers below.

const VERSION = "v1";

export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64"),
    cipher.getAuthTag().toString("base64"),
    data.toString("base64"),
  ].join(".");
}

export function decrypt(key: Buffer, sealed: string): string {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || !data) throw new Error("unrecognised installation record");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
}

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
