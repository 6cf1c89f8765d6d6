import { describe, expect, it } from "vitest";
import { FALLBACK_QUESTION } from "../../../src/coaching/coach.js";
import { SORRY } from "../../../src/slack/blocks/messages.js";
import { type ButtonArgs, buttonListener, type Tell } from "../../../src/slack/listeners/actions/button.js";
import { feedback } from "../../../src/slack/listeners/actions/coach-actions.js";
import { forgetCancel, forgetConfirm } from "../../../src/slack/listeners/actions/forget-actions.js";
import { OLDER_BUTTON_NOTE, unknownAction } from "../../../src/slack/listeners/actions/unknown-action.js";
import { buttonArgs, call, fakeClient, fakeServices, recorder } from "./fakes.js";

// Button listeners ack at once, call one function with who clicked and what, and answer where the
// button's answers go.

describe("buttonListener", () => {
  it("acks before the work, which gets the click and where to answer", async () => {
    const { services, queued } = fakeServices();
    const { args, ack, order } = buttonArgs("v");
    const work = recorder<[ButtonArgs, Tell], void>(() => void order.push("work"));
    await buttonListener(services, "test", work)(args);
    expect(ack.calls).toHaveLength(1);
    expect(order).toEqual(["ack", "work"]);
    expect(call(work)[0]).toBe(args);
    // No response_url (App Home): no busy reply to offer.
    expect(queued).toEqual([{ busy: false }]);
  });

  it("a failure is logged with the request id and told kindly, privately", async () => {
    const { services, logger } = fakeServices();
    const { args, respond } = buttonArgs("v");
    await buttonListener(services, "test", () => Promise.reject(new Error("boom")))(args);
    expect(call(respond)[0]).toEqual({ response_type: "ephemeral", replace_original: false, ...SORRY });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        message: "listener failed",
        fields: expect.objectContaining({ requestId: "req-5", what: "test" }),
      }),
    );
  });
});

describe("feedback", () => {
  it("records Helpful for a known question and thanks privately; an unknown id records nothing", async () => {
    const recordFeedback = recorder();
    const library = { questions: new Map([["q1", { id: "q1" }]]) };
    const { services } = fakeServices({ store: { recordFeedback }, library });
    const known = buttonArgs("q1");
    await feedback(services, true)(known.args);
    expect(recordFeedback.calls).toEqual([[{ teamId: "T1", userId: "U1" }, "q1", true]]);
    expect(call(known.respond)[0]).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("helped"),
    });

    await feedback(services, false)(buttonArgs(FALLBACK_QUESTION.id).args);
    expect(recordFeedback.calls).toHaveLength(2);

    const gone = buttonArgs("q-removed");
    await feedback(services, false)(gone.args);
    expect(recordFeedback.calls).toHaveLength(2);
    expect(call(gone.respond)[0]).toMatchObject({
      text: expect.stringContaining("couldn't find that question"),
    });
  });
});

describe("forget", () => {
  it("Delete my data forgets the clicker, replaces the confirmation with what went, and refreshes Home", async () => {
    const report = {
      settings: 1,
      questions: 2,
      reflections: 0,
      feedback: 0,
      weekly: 0,
      crmLinks: 0,
      deals: 0,
      dealHistory: 0,
      dealUpdates: 0,
      nudges: 0,
      dealPrefs: 0,
      cleared: 0,
    };
    const forgetUser = recorder(report);
    const { services, logger } = fakeServices({ store: { forgetUser } });
    const { client } = fakeClient({ views: { publish: () => Promise.reject(new Error("no Home")) } });
    const { args, respond } = buttonArgs("confirm", {}, client);
    await forgetConfirm(services)(args);
    expect(forgetUser.calls).toEqual([[{ teamId: "T1", userId: "U1" }]]);
    expect(call(respond)[0]).toMatchObject({
      replace_original: true,
      text: expect.stringContaining("Deleted 2 asked questions and your settings"),
    });
    expect(respond.calls).toHaveLength(1);
    // Home's refresh failing after the deletion is logged, and does not turn the answer into an apology.
    expect(logger.lines.map((l) => l.message)).toEqual([
      "user data forgotten",
      "home refresh after forget failed",
    ]);
  });

  it("Cancel deletes nothing and says so in the confirmation's place", async () => {
    const forgetUser = recorder();
    const { services } = fakeServices({ store: { forgetUser } });
    const { args, ack, respond } = buttonArgs("cancel");
    await forgetCancel(services)(args);
    expect(ack.calls).toHaveLength(1);
    expect(forgetUser.calls).toHaveLength(0);
    expect(call(respond)[0]).toMatchObject({ replace_original: true, text: "Nothing deleted." });
  });
});

describe("an unknown action", () => {
  it("is acked and answered with a note; one with its own listener is left alone (no second ack)", async () => {
    const { services } = fakeServices();
    const listener = unknownAction(services, new Set(["known_id"]));
    const older = buttonArgs("x");
    await listener(older.args);
    expect(older.ack.calls).toHaveLength(1);
    expect(call(older.respond)[0]).toEqual({
      response_type: "ephemeral",
      replace_original: false,
      text: OLDER_BUTTON_NOTE,
    });

    const ours = buttonArgs("x");
    (ours.args.action as { action_id: string }).action_id = "known_id";
    await listener(ours.args);
    expect(ours.ack.calls).toHaveLength(0);
    expect(ours.respond.calls).toHaveLength(0);
  });
});
