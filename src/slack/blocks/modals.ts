import { STAGES } from "../../coaching/taxonomy.js";
import type { UserSettings } from "../../store/types.js";
import { INPUT, VIEW } from "../ids.js";
import { themeLabel } from "./coach-reply.js";
import {
  type Block,
  context,
  type InputBlock,
  type ModalView,
  type Option,
  option,
  plain,
  type StaticSelectElement,
  section,
} from "./kit.js";
import { capBlocks, clip, escapeMrkdwn, LIMITS } from "./limits.js";
import { dayOptions, quietOptions, quietValue, timeOptions } from "./settings-options.js";

// Modals: the situation form (/coach alone), Reflect, and settings. Titles are at most 24 characters.

/** A modal as the builders return it: Slack's ModalView, with the fields they always set. */
export type View = ModalView & { callback_id: string; blocks: Block[] };

/** The input elements the forms use, before the form gives each its action id. */
type InputElement =
  | Omit<Extract<InputBlock["element"], { type: "plain_text_input" }>, "action_id">
  | Omit<StaticSelectElement, "action_id">;

function modal(callbackId: string, title: string, blocks: Block[], submit?: string, metadata?: string): View {
  return {
    type: "modal",
    callback_id: callbackId,
    title: plain(title, LIMITS.modalTitle),
    ...(submit ? { submit: plain(submit, LIMITS.modalTitle) } : {}),
    close: plain(submit ? "Cancel" : "Close", LIMITS.modalTitle),
    ...(metadata !== undefined ? { private_metadata: clip(metadata, LIMITS.privateMetadata) } : {}),
    blocks: capBlocks(blocks, LIMITS.viewBlocks),
  };
}

function input(
  ids: readonly [string, string],
  label: string,
  element: InputElement,
  optional = false,
  hint?: string,
): InputBlock {
  return {
    type: "input",
    block_id: ids[0],
    label: plain(label, 2000),
    optional,
    element: { ...element, action_id: ids[1] },
    ...(hint ? { hint: plain(hint, 2000) } : {}),
  };
}

function staticSelect(
  options: Option[],
  initial?: string,
  placeholder = "Choose",
): Omit<StaticSelectElement, "action_id"> {
  const initialOption = options.find((o) => o.value === initial);
  return {
    type: "static_select",
    placeholder: plain(placeholder),
    options,
    ...(initialOption ? { initial_option: initialOption } : {}),
  };
}

export function situationModal(metadata: string): View {
  return modal(
    VIEW.situation,
    "Coach me on a deal",
    [
      input(INPUT.deal, "Deal", { type: "plain_text_input", max_length: 150 }, true),
      input(
        INPUT.stage,
        "Stage",
        staticSelect(
          STAGES.map((s) => option(themeLabel(s), s)),
          undefined,
          "Pick a stage",
        ),
        true,
      ),
      input(
        INPUT.happened,
        "What happened?",
        { type: "plain_text_input", multiline: true, max_length: 3000 },
        false,
        "A sentence or two, as you'd tell a colleague. You'll get questions, not answers.",
      ),
    ],
    "Coach me",
    metadata,
  );
}

export function reflectModal(questions: readonly { id: string; text: string }[], metadata: string): View {
  const blocks: Block[] = questions.map((q) => section(`*${escapeMrkdwn(q.text)}*`));
  blocks.push(
    input(INPUT.answer, "Your reflection", { type: "plain_text_input", multiline: true, max_length: 3000 }),
    context(["Stored privately and never posted. Only you can see it, in the Home tab."]),
  );
  return modal(VIEW.reflect, "Reflect", blocks, "Save", metadata);
}

export function reflectSavedView(): View {
  return modal(VIEW.reflect, "Reflect", [section("Saved. Only you can see it, in the Deal Coach Home tab.")]);
}

export function settingsModal(settings: UserSettings, metadata = ""): View {
  const onOff = (on: boolean) => (on ? "on" : "off");
  const toggle = [option("On", "on"), option("Off", "off")];
  return modal(
    VIEW.settings,
    "Deal Coach settings",
    [
      input(INPUT.weekly, "Weekly reflection by DM", staticSelect(toggle, onOff(settings.weekly.enabled))),
      input(INPUT.weeklyDay, "Day", staticSelect(dayOptions(), String(settings.weekly.day))),
      input(INPUT.weeklyTime, "Time (your local time)", staticSelect(timeOptions(), settings.weekly.time)),
      input(
        INPUT.nudges,
        "Deal nudges",
        // Until the rep chooses, saving the form must not choose for them.
        settings.nudges === null
          ? staticSelect([...toggle, option("Not chosen yet", "unset")], "unset")
          : staticSelect(toggle, onOff(settings.nudges)),
      ),
      input(INPUT.quietHours, "Quiet hours", staticSelect(quietOptions(), quietValue(settings))),
    ],
    "Save",
    metadata,
  );
}
