// The action_ids and callback_ids of coaching replies, Home, modals and nudges, shared by the Block Kit
// builders and the listeners so they can't drift apart. The weekly prompt's own ids live beside its
// blocks (WEEKLY_ACTION and WEEKLY_VIEW in blocks/weekly.ts).

export const ACTION = {
  anotherAngle: "coach_another_angle",
  goDeeper: "coach_go_deeper",
  reflect: "coach_reflect",
  helpful: "coach_helpful",
  notHelpful: "coach_not_helpful",
  forgetConfirm: "forget_confirm",
  forgetCancel: "forget_cancel",
  homeWeeklyToggle: "home_weekly_toggle",
  homeWeeklyDay: "home_weekly_day",
  homeWeeklyTime: "home_weekly_time",
  homeNudgesToggle: "home_nudges_toggle",
  homeNudgesDecline: "home_nudges_decline",
  homeQuietHours: "home_quiet_hours",
  homeDealChannels: "home_deal_channels",
  linkApprove: "link_approve",
  linkDecline: "link_decline",
} as const;

export const VIEW = {
  situation: "coach_situation",
  reflect: "coach_reflect_modal",
  settings: "coach_settings",
} as const;

/** Block ids and input action ids used inside modals (their values come back in view.state). */
export const INPUT = {
  deal: ["situation_deal", "deal"],
  stage: ["situation_stage", "stage"],
  happened: ["situation_happened", "happened"],
  answer: ["reflect_answer", "answer"],
  weekly: ["settings_weekly", "weekly"],
  weeklyDay: ["settings_weekly_day", "day"],
  weeklyTime: ["settings_weekly_time", "time"],
  nudges: ["settings_nudges", "nudges"],
  quietHours: ["settings_quiet_hours", "quiet_hours"],
} as const;

/** Buttons on a deal nudge. */
export const NUDGE_ACTION = {
  snooze: "nudge_snooze",
  mute: "nudge_mute",
  /** The one-time invitation's Keep them coming / No thanks, and Stop on a default-on first nudge. */
  keep: "nudge_keep",
  decline: "nudge_decline",
  stop: "nudge_stop",
} as const;
