import { App, LogLevel } from "@slack/bolt";

// The baseline: a bare Bolt app whose /coach only acks. Same Bolt, same receiver, same signature checks.
// Plain JavaScript run by plain node, as Deal Coach runs from dist/: a TypeScript loader in either process
// would add its own memory and start-up to the figures (about 60 MB of RSS for tsx).
const app = new App({
  token: "xoxb-bench",
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "bench-secret",
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.command("/coach", async ({ ack }) => {
  await ack();
});
const server = await app.start(0);
const address = server.address();
console.log(JSON.stringify({ port: address.port }));
process.once("SIGTERM", () => {
  app.stop().finally(() => process.exit(0));
});
