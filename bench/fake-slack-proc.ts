import { FakeSlack } from "../test/support/fake-slack.js";

// The fake Slack for benchmarks, in a process of its own, so that the load generator's event loop only
// sends and times requests: a fake busy recording thousands of posts would otherwise delay the timing of
// both targets. It maps every CRM e-mail to a user and opens a DM per user, prints its base URL as JSON,
// and answers "counts" on IPC with how many Web API posts and response_url replies it has received.

const slack = await FakeSlack.start();
slack.on("users.lookupByEmail", (args) => ({
  ok: true,
  user: { id: `U_${String(args.email).split("@")[0]}` },
}));
slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
console.log(JSON.stringify({ apiUrl: slack.apiUrl, responseUrl: slack.responseUrl("x").replace(/x$/, "") }));
process.on("message", (message) => {
  if (message === "counts")
    process.send?.({ posts: slack.callsTo("chat.postMessage").length, responses: slack.responses.length });
});
process.once("SIGTERM", () => {
  slack.close().finally(() => process.exit(0));
});
