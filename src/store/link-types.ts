// Who may link a CRM e-mail to a Slack user (see README "Linking your CRM e-mail"). Reached as
// `store.deals.links`. E-mails are compared lowercased.

/** "link": the user's own Slack profile e-mail; "approved": a workspace admin approved a request. */
export type ConfirmedOrigin = "link" | "approved";

/** "taken": another user holds a confirmed link to that e-mail, which is never replaced. */
export type ClaimResult = "linked" | "already" | "taken";

export interface LinkRequest {
  email: string;
  userId: string;
  requestedAt: Date;
}

export interface Unlinked {
  /** The e-mails whose links were removed. */
  emails: string[];
  /** Requests of theirs still waiting for an admin, withdrawn. */
  requests: number;
  /** Nudges addressed to them through those links and not yet sent, back to waiting for an owner. */
  nudges: number;
}

export interface OwnerLinkStore {
  /**
   * Links the e-mail to the user, unless another user holds a confirmed link to it. Another user's
   * cached lookup gives way to the user's own profile e-mail ("link"), never to an approval. Atomic, so two people claiming one e-mail at once can't both win. Clears the user's
   * request for it and any earlier unlink of it.
   */
  claim(teamId: string, email: string, userId: string, origin: ConfirmedOrigin): Promise<ClaimResult>;
  /** Records a request for an admin to approve; false when the same request was already waiting. */
  request(teamId: string, email: string, userId: string): Promise<boolean>;
  /** Requests waiting for an admin, oldest first. */
  requests(teamId: string, limit: number): Promise<LinkRequest[]>;
  /** Takes the request away and claims the e-mail for its requester; "missing" when no such request waits. */
  approve(teamId: string, email: string, userId: string): Promise<ClaimResult | "missing">;
  /** Takes the request away; false when no such request waited. */
  decline(teamId: string, email: string, userId: string): Promise<boolean>;
  /**
   * Removes every link of the user and their waiting requests, in one transaction; their unsent nudges
   * through those links wait for an owner again, and a later lookup never maps those e-mails to them.
   */
  unlink(teamId: string, userId: string): Promise<Unlinked>;
  /** Whether the user unlinked this e-mail (a lookup must not link it to them again). */
  isUnlinked(teamId: string, email: string, userId: string): Promise<boolean>;
}
