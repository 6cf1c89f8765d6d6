import { App, LogLevel } from "@slack/bolt";

// The baseline: a bare Bolt app whose /coach only acks. Same Bolt, same receiver, same signature checks.
const app = new App({
  token: "xoxb-bench",
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "bench-secret",
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.command("/coach", async ({ ack }) => {
  await ack();
});
const server = (await app.start(0)) as import("node:http").Server;
const address = server.address() as import("node:net").AddressInfo;
console.log(JSON.stringify({ port: address.port }));
process.once("SIGTERM", () => {
  app.stop().finally(() => process.exit(0));
});
