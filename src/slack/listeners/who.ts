import type { UserKey } from "../../store/types.js";

// Who did something in an interaction (a click, a modal submission): Slack puts the workspace on the
// payload's team, but an org-wide install can leave it null and give it on the user instead.

interface Interaction {
  team?: { id: string } | null;
  user: { id: string; team_id?: string };
}

/** The Slack user and workspace behind an interaction; "" when Slack names no workspace. */
export function interactor(body: Interaction): UserKey {
  return { teamId: body.team?.id ?? body.user.team_id ?? "", userId: body.user.id };
}
