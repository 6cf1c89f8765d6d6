import pg from "pg";
import { openStore } from "./src/store/open.js";

const url = "postgres://postgres@127.0.0.1:5432/";
const admin = new pg.Client({ connectionString: url + "test" });
await admin.connect();
const name = `claimprobe_${Date.now()}`;
await admin.query(`CREATE DATABASE ${name}`);
try {
  const store = await openStore({ databaseUrl: url + name });
  const db = new pg.Client({ connectionString: url + name });
  await db.connect();
  const settings = JSON.stringify({ weekly: { enabled: true, day: 5, time: "15:00" } });
  await db.query(
    `INSERT INTO users (team_id, user_id, tz, settings, created_at, updated_at) SELECT 'T' || (i % 10), 'U' || i, 'Europe/London', $1::jsonb, now(), now() FROM generate_series(1, 10000) i`,
    [settings],
  );
  await db.query(
    `INSERT INTO weekly_schedules (team_id, user_id, enabled, next_run_at, updated_at) SELECT 'T' || (i % 10), 'U' || i, true, '2026-11-27T15:00:00Z', now() FROM generate_series(1, 10000) i`,
  );
  const at = new Date("2026-11-27T15:00:30Z");
  const plan = { week: "2026-W48", nextRunAt: new Date("2026-12-04T15:00:00Z") };
  const batch = Number(process.argv[2] ?? 200);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rounds = 0;
  for (;;) {
    const r = await store.weekly.claimDue(at, batch, () => plan);
    rounds++;
    if (r.claimed === 0) break;
  }
  const cpu = process.cpuUsage(cpu0);
  console.log({
    batch,
    rounds,
    ms: Math.round(performance.now() - t0),
    nodeCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  });
  await db.end();
  await store.close();
} finally {
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
