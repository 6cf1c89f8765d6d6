// Realistic Slack payload builders for tests, modelled on the captured shapes in
// /work/shared/slack/payloads/*.json. Every builder takes overrides; ids, ts values and trigger ids are
// unique per call unless you pass them.
//
// Response URLs: builders that carry a `response_url` default to the most recently started FakeSlack's
// `responseUrl()` (see setDefaultResponseUrl), so Bolt's respond() never leaves the machine. With no fake
// running they fall back to a closed loopback port, never to hooks.slack.com.

import { randomBytes, randomUUID } from "node:crypto";

export const TEAM_ID = "T0123ABCD";
export const TEAM_DOMAIN = "acme-sales";
export const TEAM_NAME = "Acme Sales";
export const APP_ID = "A0123ABCD";
export const BOT_USER_ID = "U0BOT1234";
export const BOT_ID = "B0123ABCD";
export const USER_ID = "U0123ABCD";
export const USER_NAME = "ann.lee";
export const CHANNEL_ID = "C0123ABCD";
export const CHANNEL_NAME = "deals-emea";
export const DM_CHANNEL_ID = "D0123ABCD";
/** The deprecated verification token carried in slash commands and interactive payloads. */
export const VERIFICATION_TOKEN = "gIkuvaNzQIHg97ATvDxqgjtO";
/** The token field of event_callback envelopes in the captured payloads. */
export const EVENT_TOKEN = "XXYYZZ";

type Obj = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------
// Unique ids

let tsSeconds = 0;
let tsMicros = 0;

/** A unique, strictly increasing Slack message ts like "1767225960.000100" (based on the wall clock). */
export function nextTs(): string {
  const now = Math.floor(Date.now() / 1000);
  if (now > tsSeconds) {
    tsSeconds = now;
    tsMicros = 0;
  }
  tsMicros += 100;
  if (tsMicros > 999_999) {
    tsSeconds += 1;
    tsMicros = 100;
  }
  return `${tsSeconds}.${String(tsMicros).padStart(6, "0")}`;
}

let idSeq = 0;
const nextSeq = () => {
  idSeq += 1;
  return idSeq;
};

/** A unique event id like "Ev0000000A7K". */
export function nextEventId(): string {
  return `Ev${nextSeq().toString(36).toUpperCase().padStart(10, "0")}`;
}

/** A unique trigger id like "13345224609.738474920.8088930838d88f008e0". */
export function nextTriggerId(): string {
  return `${13345224609 + nextSeq()}.738474920.${randomBytes(10).toString("hex").slice(0, 19)}`;
}

/** A unique id with a Slack-style prefix, e.g. nextId("V") -> "V000000003". */
export function nextId(prefix: string): string {
  return `${prefix}${String(nextSeq()).padStart(9, "0")}`;
}

function blockId(): string {
  return randomBytes(4).toString("base64url").slice(0, 5);
}

// ---------------------------------------------------------------------------------------------------------
// Default response_url

const NO_FAKE_RESPONSE_URL = "http://127.0.0.1:9/response_url/no-fake-slack-running";
let responseUrlFactory: (() => string) | undefined;

/** Installed by FakeSlack.start() (and cleared by close()); tests rarely call this directly. */
export function setDefaultResponseUrl(factory: (() => string) | undefined): void {
  responseUrlFactory = factory;
}

export function getDefaultResponseUrlFactory(): (() => string) | undefined {
  return responseUrlFactory;
}

/** A fresh response_url on the running FakeSlack, or a dead loopback URL when none is running. */
export function defaultResponseUrl(): string {
  return responseUrlFactory ? responseUrlFactory() : NO_FAKE_RESPONSE_URL;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** Drops keys whose value is undefined, so `{ thread_ts: undefined }` does not appear in payloads. */
function compact<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** rich_text blocks the way Slack renders a typed message: `<@U…>` becomes a user element. */
export function richTextBlocks(text: string): Obj[] {
  const elements: Obj[] = [];
  for (const part of text.split(/(<@[UW][A-Z0-9]+(?:\|[^>]*)?>)/)) {
    if (part === "") continue;
    const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(part);
    elements.push(mention ? { type: "user", user_id: mention[1] } : { type: "text", text: part });
  }
  return [{ type: "rich_text", block_id: blockId(), elements: [{ type: "rich_text_section", elements }] }];
}

function eventContext(eventType: string): string {
  return `4-${Buffer.from(JSON.stringify({ et: eventType })).toString("base64url")}`;
}

// ---------------------------------------------------------------------------------------------------------
// Slash commands

/** The form fields of a slash command (all strings, as Slack sends them). */
export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
  enterprise_id?: string;
  enterprise_name?: string;
}

/** payloads/slash-command.form-fields.json with overrides; fresh trigger_id and response_url. */
export function slashCommand(fields: Partial<SlashCommandFields> = {}): SlashCommandFields {
  return compact({
    token: VERIFICATION_TOKEN,
    team_id: TEAM_ID,
    team_domain: TEAM_DOMAIN,
    channel_id: CHANNEL_ID,
    channel_name: CHANNEL_NAME,
    user_id: USER_ID,
    user_name: USER_NAME,
    command: "/coach",
    text: "Globex renewal slipped to Q3",
    api_app_id: APP_ID,
    is_enterprise_install: "false",
    response_url: defaultResponseUrl(),
    trigger_id: nextTriggerId(),
    ...fields,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Events (the inner `event` object; wrap with eventCallbackPayload for the envelope)

export interface MessageLikeOptions {
  text?: string;
  channel?: string;
  ts?: string;
  thread_ts?: string;
  user?: string;
  team?: string;
  blocks?: Obj[];
  [extra: string]: unknown;
}

export interface MessageLikeEvent extends Obj {
  type: string;
  user: string;
  text: string;
  ts: string;
  channel: string;
  event_ts: string;
  thread_ts?: string;
  channel_type?: string;
}

function messageLike(
  type: "app_mention" | "message",
  defaults: { text: string; channel: string; channel_type?: string },
  opts: MessageLikeOptions,
): MessageLikeEvent {
  const { text = defaults.text, channel = defaults.channel, ts = nextTs(), user = USER_ID, ...rest } = opts;
  const event: MessageLikeEvent = {
    type,
    user,
    text,
    ts,
    client_msg_id: randomUUID(),
    team: TEAM_ID,
    blocks: richTextBlocks(text),
    channel,
    event_ts: ts,
    ...(defaults.channel_type ? { channel_type: defaults.channel_type } : {}),
    ...rest,
  };
  return compact(event);
}

/** An app_mention event (payloads/event-callback-app-mention.json `event`). */
export function appMention(opts: MessageLikeOptions = {}): MessageLikeEvent {
  return messageLike(
    "app_mention",
    { text: `<@${BOT_USER_ID}> Globex went quiet after the pricing call`, channel: CHANNEL_ID },
    opts,
  );
}

/** A message.im event: a DM to the bot (payloads/event-callback-message-im.json `event`). */
export function messageIm(opts: MessageLikeOptions = {}): MessageLikeEvent {
  return messageLike(
    "message",
    { text: "I think the champion left Initech", channel: DM_CHANNEL_ID, channel_type: "im" },
    opts,
  );
}

/** A message.channels event (payloads/event-callback-message-channels.json `event`). */
export function messageChannels(opts: MessageLikeOptions = {}): MessageLikeEvent {
  return messageLike(
    "message",
    {
      text: "Deal update: Initech moved to Negotiation, $48k ARR",
      channel: CHANNEL_ID,
      channel_type: "channel",
    },
    opts,
  );
}

export interface AppHomeOpenedOptions {
  user?: string;
  tab?: "home" | "messages";
  channel?: string;
  /** The currently published Home view; `null` to omit (first open, or the messages tab). */
  view?: Obj | null;
  event_ts?: string;
}

/** An app_home_opened event (payloads/event-callback-app-home-opened.json `event`). */
export function appHomeOpened(opts: AppHomeOpenedOptions = {}): Obj {
  const tab = opts.tab ?? "home";
  const homeView = {
    id: "V0123HOME",
    team_id: TEAM_ID,
    type: "home",
    blocks: [],
    private_metadata: "",
    callback_id: "coach_home",
    state: { values: {} },
    hash: "1767225000.abc123",
    title: { type: "plain_text", text: "View Title", emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: "V0123HOME",
    app_id: APP_ID,
    external_id: "",
    app_installed_team_id: TEAM_ID,
    bot_id: BOT_ID,
  };
  const view = opts.view === undefined ? (tab === "home" ? homeView : undefined) : (opts.view ?? undefined);
  return compact({
    type: "app_home_opened",
    user: opts.user ?? USER_ID,
    channel: opts.channel ?? DM_CHANNEL_ID,
    tab,
    event_ts: opts.event_ts ?? nextTs(),
    view,
  });
}

/** An app_uninstalled event (payloads/event-callback-app-uninstalled.json `event`). */
export function appUninstalled(opts: { event_ts?: string } = {}): Obj {
  return { type: "app_uninstalled", event_ts: opts.event_ts ?? nextTs() };
}

/** A tokens_revoked event. `bot` / `oauth` are user ids whose tokens were revoked. */
export function tokensRevoked(opts: { bot?: string[]; oauth?: string[]; event_ts?: string } = {}): Obj {
  const tokens: Obj = {};
  if (opts.oauth) tokens.oauth = opts.oauth;
  if (opts.bot) tokens.bot = opts.bot;
  if (!opts.bot && !opts.oauth) tokens.bot = [BOT_USER_ID];
  return { type: "tokens_revoked", tokens, event_ts: opts.event_ts ?? nextTs() };
}

// ---------------------------------------------------------------------------------------------------------
// Events API envelope

export interface EventCallbackOptions {
  eventId?: string;
  teamId?: string;
  eventTime?: number;
  apiAppId?: string;
  /** Who the event is delivered for; defaults to the bot user in the team. */
  authorizations?: Obj[];
}

export interface EventCallbackPayload extends Obj {
  type: "event_callback";
  team_id: string;
  api_app_id: string;
  event: Obj;
  event_id: string;
  event_time: number;
  authorizations: Obj[];
}

/** Wraps an event in the `event_callback` envelope (payloads/event-callback-*.json). */
export function eventCallbackPayload(event: Obj, opts: EventCallbackOptions = {}): EventCallbackPayload {
  const teamId = opts.teamId ?? TEAM_ID;
  const eventTs = typeof event.event_ts === "string" ? Number.parseFloat(event.event_ts) : Number.NaN;
  const eventTime =
    opts.eventTime ?? (Number.isFinite(eventTs) ? Math.floor(eventTs) : Math.floor(Date.now() / 1000));
  return {
    token: EVENT_TOKEN,
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: opts.apiAppId ?? APP_ID,
    event,
    type: "event_callback",
    event_id: opts.eventId ?? nextEventId(),
    event_time: eventTime,
    authorizations: opts.authorizations ?? [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: eventContext(typeof event.type === "string" ? event.type : "unknown"),
  };
}

/** The url_verification challenge Slack sends when a request URL is saved (payloads/url-verification.json). */
export function urlVerification(challenge = randomBytes(39).toString("base64url")): Obj {
  return { token: "Jhj5dZrVaK7ZwHHjRyZWjbDl", challenge, type: "url_verification" };
}

// ---------------------------------------------------------------------------------------------------------
// Interactivity

export interface BlockActionsOptions {
  action_id?: string;
  block_id?: string;
  value?: string;
  /** The clicking user's id. */
  user?: string;
  user_name?: string;
  /** Channel of the message the action came from. */
  channel?: string;
  /** Overrides the computed container (message container by default, view container with `view`). */
  container?: Obj;
  response_url?: string;
  trigger_id?: string;
  /** The message carrying the button; defaults to a coach question with one button. `null` to omit. */
  message?: Obj | null;
  /** For actions inside a modal or the Home tab: the view the action came from (no message/channel then). */
  view?: Obj;
  /** Extra or replacement fields of the action element, e.g. `{ type: "static_select", selected_option }`. */
  action?: Obj;
  state?: Obj;
}

/** A block_actions payload (payloads/block-actions.payload.json) with one action. */
export function blockActions(opts: BlockActionsOptions = {}): Obj {
  const actionId = opts.action_id ?? "open_reflection";
  const blockIdValue = opts.block_id ?? "coach_actions";
  const value = opts.value ?? "deal_globex";
  const userId = opts.user ?? USER_ID;
  const userName = opts.user_name ?? USER_NAME;
  const channel = opts.channel ?? DM_CHANNEL_ID;
  const action: Obj = {
    action_id: actionId,
    block_id: blockIdValue,
    text: { type: "plain_text", text: "Reflect", emoji: true },
    value,
    type: "button",
    action_ts: nextTs(),
    ...opts.action,
  };
  const base: Obj = {
    type: "block_actions",
    user: { id: userId, username: userName, name: userName, team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
  };
  const tail: Obj = {
    state: opts.state ?? { values: {} },
    actions: [action],
  };
  if (opts.view) {
    const view = opts.view;
    return compact({
      ...base,
      container: opts.container ?? { type: "view", view_id: view.id ?? "V0123MODAL" },
      trigger_id: opts.trigger_id ?? nextTriggerId(),
      team: { id: TEAM_ID, domain: TEAM_DOMAIN },
      enterprise: null,
      is_enterprise_install: false,
      view,
      ...tail,
      response_url: opts.response_url,
    });
  }
  const messageTs = nextTs();
  const message =
    opts.message === null
      ? undefined
      : {
          type: "message",
          user: BOT_USER_ID,
          bot_id: BOT_ID,
          ts: messageTs,
          app_id: APP_ID,
          team: TEAM_ID,
          text: "What would have to be true for Globex to sign this quarter?",
          blocks: [
            {
              type: "section",
              block_id: "coach_q",
              text: {
                type: "mrkdwn",
                text: "What would have to be true for Globex to sign this quarter?",
                verbatim: false,
              },
            },
            {
              type: "actions",
              block_id: blockIdValue,
              elements: [
                {
                  type: "button",
                  action_id: actionId,
                  text: { type: "plain_text", text: "Reflect", emoji: true },
                  value,
                },
              ],
            },
          ],
          ...opts.message,
        };
  const msgTs = typeof message?.ts === "string" ? message.ts : messageTs;
  return compact({
    ...base,
    container: opts.container ?? {
      type: "message",
      message_ts: msgTs,
      channel_id: channel,
      is_ephemeral: false,
    },
    trigger_id: opts.trigger_id ?? nextTriggerId(),
    team: { id: TEAM_ID, domain: TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: channel.startsWith("D") ? "directmessage" : CHANNEL_NAME },
    message,
    ...tail,
    response_url: opts.response_url ?? defaultResponseUrl(),
  });
}

/**
 * view.state.values. Leaves may be full element states (`{ type, value }`, `{ type, selected_option }`…)
 * or plain strings, which become `{ type: "plain_text_input", value }`.
 */
export type ViewValuesInput = Record<string, Record<string, Obj | string>>;

export interface ViewSubmissionOptions {
  callback_id?: string;
  private_metadata?: string;
  values?: ViewValuesInput;
  user?: string;
  user_name?: string;
  view_id?: string;
  trigger_id?: string;
  /** Set these to give Bolt a respond() (modals with response_url_enabled inputs). */
  response_urls?: Obj[];
  /** Extra fields merged into `view`. */
  view?: Obj;
}

function normalizeValues(values: ViewValuesInput): Record<string, Record<string, Obj>> {
  const out: Record<string, Record<string, Obj>> = {};
  for (const [block, actions] of Object.entries(values)) {
    const inner: Record<string, Obj> = {};
    for (const [actionId, state] of Object.entries(actions)) {
      inner[actionId] = typeof state === "string" ? { type: "plain_text_input", value: state } : state;
    }
    out[block] = inner;
  }
  return out;
}

/** A view_submission payload (payloads/view-submission.payload.json). Input blocks follow `values`. */
export function viewSubmission(opts: ViewSubmissionOptions = {}): Obj {
  const userId = opts.user ?? USER_ID;
  const userName = opts.user_name ?? USER_NAME;
  const values = normalizeValues(
    opts.values ?? {
      reflection_block: { reflection_input: "Procurement, not the champion, owns the timeline." },
    },
  );
  const blocks = Object.entries(values).flatMap(([block, actions]) =>
    Object.entries(actions).map(([actionId, state]) => ({
      type: "input",
      block_id: block,
      label: { type: "plain_text", text: block, emoji: true },
      optional: false,
      dispatch_action: false,
      element: {
        type: typeof state.type === "string" ? state.type : "plain_text_input",
        action_id: actionId,
      },
    })),
  );
  const viewId = opts.view_id ?? "V0123MODAL";
  return {
    type: "view_submission",
    team: { id: TEAM_ID, domain: TEAM_DOMAIN },
    user: { id: userId, username: userName, name: userName, team_id: TEAM_ID },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: opts.trigger_id ?? nextTriggerId(),
    view: {
      id: viewId,
      team_id: TEAM_ID,
      type: "modal",
      blocks,
      private_metadata: opts.private_metadata ?? "",
      callback_id: opts.callback_id ?? "weekly_reflection",
      state: { values },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString("hex")}`,
      title: { type: "plain_text", text: "Deal Coach", emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: "plain_text", text: "Cancel", emoji: true },
      submit: { type: "plain_text", text: "Save", emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: APP_ID,
      external_id: "",
      app_installed_team_id: TEAM_ID,
      bot_id: BOT_ID,
      ...opts.view,
    },
    response_urls: opts.response_urls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
