// Loopback fakes of the two CRM APIs Deal Coach reads, for tests of enrichHubSpot and pipedriveOwnerEmail:
//   - HubSpot: GET /crm/v3/objects/deals/{id}?properties=… and GET /crm/v3/owners/{id}, Bearer token checked;
//   - Pipedrive: GET /v1/users/{id}?api_token=…, token checked.
// Unknown ids answer 404 as the real APIs do. `failWith(status)` makes every later request fail with that
// status (until `failWith(undefined)`), `delayMs` holds answers back, for timeout tests. Every request is
// recorded in `calls`. Pass `url` as the apiUrl option. Always `await close()`.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeCrmCall {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

interface FakeCrm {
  url: string;
  calls: FakeCrmCall[];
  /** Answer every request with this status (and body) from now on; undefined restores normal answers. */
  failWith(status: number | undefined, body?: Json): void;
  /** Milliseconds to wait before answering. */
  delayMs: number;
  close(): Promise<void>;
}

export interface FakeHubSpot extends FakeCrm {
  /** Deal id -> properties (string values, as HubSpot's API returns them). */
  deals: Map<string, Record<string, string | null>>;
  /** Owner id -> owner record. */
  owners: Map<string, { email?: string; firstName?: string; lastName?: string }>;
}

export interface FakePipedrive extends FakeCrm {
  /** User id -> user record. */
  users: Map<string, { name?: string; email?: string }>;
}

type Json = Record<string, unknown>;
type Route = (call: FakeCrmCall, parts: string[]) => { status: number; body: Json };

async function startFake(route: Route): Promise<FakeCrm & { server: Server }> {
  let failure: number | undefined;
  let failureBody: Json | undefined;
  const fake = {
    url: "",
    calls: [] as FakeCrmCall[],
    delayMs: 0,
    failWith(status: number | undefined, body?: Json) {
      failure = status;
      failureBody = body;
    },
    server: undefined as unknown as Server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        fake.server.closeAllConnections();
        fake.server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
  fake.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const call: FakeCrmCall = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    };
    fake.calls.push(call);
    const answer =
      failure !== undefined
        ? { status: failure, body: failureBody ?? { status: "error", message: "fake failure" } }
        : req.method !== "GET"
          ? { status: 405, body: { message: "method not allowed" } }
          : route(call, url.pathname.split("/").filter(Boolean).map(decodeURIComponent));
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
    }, fake.delayMs);
  });
  await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  return fake;
}

const notFound = (message: string) => ({
  status: 404,
  body: { status: "error", message, category: "OBJECT_NOT_FOUND" },
});

export async function startFakeHubSpot(options: { accessToken: string }): Promise<FakeHubSpot> {
  const deals: FakeHubSpot["deals"] = new Map();
  const owners: FakeHubSpot["owners"] = new Map();
  const fake = await startFake((call, parts) => {
    if (call.authorization !== `Bearer ${options.accessToken}`) {
      return {
        status: 401,
        body: {
          status: "error",
          message: "Authentication credentials not found.",
          category: "INVALID_AUTHENTICATION",
        },
      };
    }
    const [crm, v3, kind, sub, id] = parts;
    if (crm !== "crm" || v3 !== "v3") return notFound("no such endpoint");
    if (kind === "objects" && sub === "deals" && id && parts.length === 5) {
      const deal = deals.get(id);
      if (!deal) return notFound(`Object not found. objectId are usually numeric.`);
      // Like HubSpot: only the requested properties, plus the deal's id.
      const wanted = (call.query.properties ?? "").split(",").filter(Boolean);
      const properties: Json = { hs_object_id: id };
      for (const name of wanted) properties[name] = deal[name] ?? null;
      return { status: 200, body: { id, properties, archived: false } };
    }
    if (kind === "owners" && sub && parts.length === 4) {
      const owner = owners.get(sub);
      if (!owner) return notFound(`No owner found with id ${sub}`);
      return { status: 200, body: { id: sub, ...owner, archived: false } };
    }
    return notFound("no such endpoint");
  });
  return Object.assign(fake, { deals, owners });
}

export async function startFakePipedrive(options: { apiToken: string }): Promise<FakePipedrive> {
  const users: FakePipedrive["users"] = new Map();
  const fake = await startFake((call, parts) => {
    if (call.query.api_token !== options.apiToken) {
      return { status: 401, body: { success: false, error: "unauthorized access", errorCode: 401 } };
    }
    const [v1, kind, id] = parts;
    if (v1 !== "v1" || kind !== "users" || !id || parts.length !== 3) {
      return { status: 404, body: { success: false, error: "Unknown method ." } };
    }
    const user = users.get(id);
    if (!user) return { status: 404, body: { success: false, error: "User not found", errorCode: 404 } };
    return { status: 200, body: { success: true, data: { id: Number(id), ...user, active_flag: true } } };
  });
  return Object.assign(fake, { users });
}
