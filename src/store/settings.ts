import { DEFAULT_SETTINGS, type UserSettings } from "./types.js";

/** A settings change: any top-level field, and any field of weekly (the rest of weekly is kept). */
export type SettingsPatch = Partial<Omit<UserSettings, "weekly">> & {
  weekly?: Partial<UserSettings["weekly"]>;
};

/** Applies a patch; undefined fields keep their current value, quietHours: null clears it. */
export function mergeSettings(base: UserSettings, patch: SettingsPatch = {}): UserSettings {
  const weekly = patch.weekly ?? {};
  const quietHours = patch.quietHours === undefined ? base.quietHours : patch.quietHours;
  return {
    weekly: {
      enabled: weekly.enabled ?? base.weekly.enabled,
      day: weekly.day ?? base.weekly.day,
      time: weekly.time ?? base.weekly.time,
    },
    nudges: patch.nudges ?? base.nudges,
    quietHours: quietHours && { start: quietHours.start, end: quietHours.end },
  };
}

/**
 * Settings as stored (jsonb) to a full UserSettings. Rows written before a setting existed get its
 * default, so adding a setting needs no data migration.
 */
export function readStoredSettings(stored: unknown): UserSettings {
  const patch = typeof stored === "object" && stored !== null ? (stored as SettingsPatch) : {};
  return mergeSettings(DEFAULT_SETTINGS, patch);
}
