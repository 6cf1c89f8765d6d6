import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness } from "../support/app-harness.js";
import { FakeOpenAI } from "../support/fake-openai.js";
import { storeKind } from "../support/store.js";

// The app builds its coacher from the environment (src/runtime.ts): the model path when OPENAI_API_KEY is
// set, the library alone otherwise, and in neither case a request at start.

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(() => fake.close());

describe(`the app's coacher (${storeKind})`, () => {
  it("with OPENAI_API_KEY: the model path, announced with its model and deadline, nothing sent yet", async () => {
    const h = await startHarness("http", "info", {
      OPENAI_API_KEY: "sk-test-runtime",
      OPENAI_BASE_URL: fake.url,
      OPENAI_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "1500",
    });
    try {
      const on = h.logs.find((l) => l.msg === "model path on");
      expect(on).toMatchObject({ model: "fake-model", timeoutMs: 1500 });
      expect(h.rawLogs.join("\n")).not.toContain("sk-test-runtime");
      expect(fake.requests).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it("without it: no model path", async () => {
    const h = await startHarness("http", "info", { OPENAI_BASE_URL: fake.url });
    try {
      expect(h.logs.some((l) => l.msg === "model path on")).toBe(false);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});
