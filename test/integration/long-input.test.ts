import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals, signHubSpot } from "../../src/deals/sources/index.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import {
  type FakeHubSpot,
  type FakePipedrive,
  startFakeHubSpot,
  startFakePipedrive,
} from "../support/fake-crm.js";
import { postToApp } from "../support/fake-slack.js";

// 100 KB lines of the characters that made the old patterns quadratic, through the real app: /coach over
// signed HTTP and each CRM webhook route. Each must be acked, and then answered (the reply posted, or
// the delivery processed into a nudge), in under a second: none may hold the event loop.

const KB100 = 100_000;
const BUDGET_MS = 1_000;
const run = (unit: string) => unit.repeat(Math.ceil(KB100 / unit.length)).slice(0, KB100);
// Each run has a letter on both sides: a run that ends the text let the old patterns succeed at once,
// one followed by a word made them retry from every character.
const ATTACKS: Record<string, string> = {
  stars: `a${run("*")}a`,
  underscores: `a${run("_")}a`,
  quotes: `a${run('"')}a`,
  parens: `a${run(")")}a`,
  "a@ and dots": `a@${run(".")} a`,
};

const DEALS_SECRET = "deals-secret";
const HUBSPOT_SECRET = "hubspot-client-secret";

let h: Harness;
let hubspot: FakeHubSpot;
let pipedrive: FakePipedrive;

beforeAll(async () => {
  hubspot = await startFakeHubSpot({ accessToken: "hs-token" });
  pipedrive = await startFakePipedrive({ apiToken: "pd-token" });
  h = await startHarness("http", "warn", {
    DEAL_WEBHOOK_SECRET: DEALS_SECRET,
    HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    HUBSPOT_ACCESS_TOKEN: "hs-token",
    HUBSPOT_API_URL: hubspot.url,
    PIPEDRIVE_WEBHOOK_USER: "pd-user",
    PIPEDRIVE_WEBHOOK_PASSWORD: "pd-pass",
    PIPEDRIVE_API_TOKEN: "pd-token",
    PIPEDRIVE_API_URL: pipedrive.url,
    NUDGE_QUIET_HOURS: "off",
    NUDGE_WEEKENDS: "on",
    NUDGE_DAILY_CAP: "100",
    NUDGE_WEEKLY_CAP: "500",
  });
  // Each deal has its own owner, so a nudge is found by its DM channel alone.
  h.slack.on("users.lookupByEmail", (args) => {
    const email = String(args.email);
    return {
      ok: true,
      user: { id: `U_${email.split("@")[0]?.toUpperCase()}`, is_bot: false, deleted: false },
    };
  });
  h.slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
}, 60_000);
afterAll(async () => {
  await h?.close();
  await hubspot?.close();
  await pipedrive?.close();
});

const nudgesTo = (channel: string) =>
  h.slack.callsTo("chat.postMessage").filter((c) => c.args.channel === channel);

/** The ack's time and the time until `done` holds (polled), both from the request's start. */
async function timeDelivery(
  send: () => Promise<{ status: number }>,
  done: () => void,
): Promise<{ status: number; ackMs: number; doneMs: number }> {
  const started = performance.now();
  const res = await send();
  const ackMs = performance.now() - started;
  await eventually(done, 30_000);
  return { status: res.status, ackMs, doneMs: performance.now() - started };
}

describe("/coach with 100 KB of text", () => {
  for (const [name, text] of Object.entries(ATTACKS)) {
    it(`${name}: acked and answered in under a second`, async () => {
      for (const [i, command] of [text, `link ${text}`].entries()) {
        const id = `long-${name}-${i}`;
        const started = performance.now();
        const res = await h.command({
          text: command,
          user_id: `U_LONG${i}`,
          response_url: h.slack.responseUrl(id),
        });
        const ackMs = performance.now() - started;
        expect(res.status).toBe(200);
        const reply = await h.slack.waitForResponse((p) => p.id === id);
        const replyMs = performance.now() - started;
        expect(reply.body).toBeTruthy();
        expect(ackMs, `ack of ${command.slice(0, 10)}`).toBeLessThan(BUDGET_MS);
        expect(replyMs, `reply to ${command.slice(0, 10)}`).toBeLessThan(BUDGET_MS);
      }
    });
  }
});

describe("each webhook route with 100 KB text fields", () => {
  let seq = 0;
  for (const [name, text] of Object.entries(ATTACKS)) {
    it(`/webhooks/deals, ${name}: accepted and nudged in under a second`, async () => {
      const n = ++seq;
      const owner = `gen${n}`;
      const body = JSON.stringify({
        event_id: `long-gen-${n}`,
        occurred_at: new Date().toISOString(),
        deal: {
          id: `D-LONG-${n}`,
          name: text,
          stage: "negotiation",
          owner_email: `${owner}@acme.test`,
          // No competitor: a named one records the risk before the note is read.
          next_step: text,
        },
        previous: { stage: "proposal" },
        note: text,
      });
      const ts = Math.floor(Date.now() / 1000);
      const t = await timeDelivery(
        () =>
          postToApp(`${h.url}/webhooks/deals`, body, {
            contentType: "application/json",
            headers: {
              "x-deal-coach-timestamp": String(ts),
              "x-deal-coach-signature": signDeals(DEALS_SECRET, ts, body),
            },
          }),
        () => expect(nudgesTo(`D_U_${owner.toUpperCase()}`).length).toBeGreaterThan(0),
      );
      expect(t.status).toBe(202);
      expect(t.ackMs).toBeLessThan(BUDGET_MS);
      expect(t.doneMs).toBeLessThan(BUDGET_MS);
    });

    it(`/webhooks/pipedrive, ${name}: accepted and nudged in under a second`, async () => {
      const n = ++seq;
      const userId = 5000 + n;
      pipedrive.users.set(String(userId), { email: `pd${n}@acme.test` });
      const body = JSON.stringify({
        meta: {
          action: "change",
          entity: "deal",
          version: "2.0",
          company_id: 12882925,
          user_id: userId,
          id: 9000 + n,
          entity_id: 9000 + n,
          timestamp: Math.floor(Date.now() / 1000),
          change_source: "app",
        },
        data: {
          id: 9000 + n,
          title: text,
          value: 48000,
          currency: "USD",
          status: "lost",
          lost_reason: text,
          stage_id: 4,
          owner_id: userId,
        },
        previous: { status: "open" },
      });
      const t = await timeDelivery(
        () =>
          postToApp(`${h.url}/webhooks/pipedrive`, body, {
            contentType: "application/json",
            headers: { authorization: `Basic ${Buffer.from("pd-user:pd-pass").toString("base64")}` },
          }),
        () => expect(nudgesTo(`D_U_PD${n}`).length).toBeGreaterThan(0),
      );
      expect(t.status).toBe(202);
      expect(t.ackMs).toBeLessThan(BUDGET_MS);
      expect(t.doneMs).toBeLessThan(BUDGET_MS);
    });

    it(`/webhooks/hubspot, ${name}: accepted and nudged in under a second`, async () => {
      const n = ++seq;
      const objectId = 7000 + n;
      const ownerId = String(800 + n);
      hubspot.deals.set(String(objectId), {
        dealname: text,
        dealstage: "contractsent",
        amount: "48000",
        closedate: null,
        hubspot_owner_id: ownerId,
        hs_next_step: text,
      });
      hubspot.owners.set(ownerId, { email: `hs${n}@acme.test` });
      const body = JSON.stringify([
        {
          eventId: 60_000 + n,
          subscriptionId: 77,
          portalId: 12345678,
          appId: 987654,
          occurredAt: Date.now() - 1000,
          subscriptionType: "deal.propertyChange",
          attemptNumber: 0,
          objectId,
          propertyName: "dealstage",
          propertyValue: "contractsent",
          changeSource: "CRM_UI",
          sourceId: "userId:555",
        },
      ]);
      const timestamp = Date.now();
      const uri = `http://127.0.0.1:${h.running.port}/webhooks/hubspot`;
      const headers = {
        "x-hubspot-signature-v3": signHubSpot(HUBSPOT_SECRET, {
          method: "POST",
          uri,
          rawBody: body,
          timestamp,
        }),
        "x-hubspot-request-timestamp": String(timestamp),
        host: `127.0.0.1:${h.running.port}`,
      };
      const t = await timeDelivery(
        () => postToApp(`${h.url}/webhooks/hubspot`, body, { contentType: "application/json", headers }),
        () => expect(nudgesTo(`D_U_HS${n}`).length).toBeGreaterThan(0),
      );
      expect(t.status).toBe(202);
      expect(t.ackMs).toBeLessThan(BUDGET_MS);
      expect(t.doneMs).toBeLessThan(BUDGET_MS);
    });
  }
});
