import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

// A loopback OpenAI-compatible server for the real openai SDK (docs/llm.md): it records every request
// and answers as scripted, including the ways a real server fails: a status code (with retry-after), a
// delay, headers then a body that never comes, a connection closed without an answer, no answer at all.

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  raw: string;
  /** The parsed JSON body (Chat Completions: model, messages, response_format, ...). */
  body: {
    model?: string;
    messages?: Array<{ role: string; content: string }>;
    response_format?: unknown;
    max_completion_tokens?: number;
  };
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Send the status and headers at once, then never the body. */
  stallBody?: boolean;
  /** Close the connection without any answer. */
  hangUp?: boolean;
  /** Never answer (the connection stays open until the server closes). */
  never?: boolean;
}

export type Responder = (request: RecordedRequest) => FakeReply;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export const DEFAULT_USAGE: Usage = { prompt_tokens: 250, completion_tokens: 50, total_tokens: 300 };

/** A chat.completion whose message content is `content` (an object is sent as its JSON text). */
export function completion(
  content: unknown,
  options: { usage?: Usage; refusal?: string; finishReason?: string } = {},
): unknown {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1_764_000_000,
    model: "fake-model",
    choices: [
      {
        index: 0,
        finish_reason: options.finishReason ?? "stop",
        message: {
          role: "assistant",
          content: options.refusal ? null : typeof content === "string" ? content : JSON.stringify(content),
          refusal: options.refusal ?? null,
        },
      },
    ],
    usage: options.usage ?? DEFAULT_USAGE,
  };
}

/** A reply with these picks. */
export function picks(questions: Array<{ id: string; text: string }>, usage?: Usage): FakeReply {
  return { body: completion({ questions }, { usage }) };
}

/** The JSON data the coacher sent as the user message. */
export function sentData(request: RecordedRequest): {
  rep_message?: string;
  week?: string;
  deal?: Record<string, unknown>;
  candidates: Array<{ id: string; text: string }>;
  max_questions: number;
} {
  const user = request.body.messages?.find((m) => m.role === "user");
  if (!user) throw new Error("no user message in the request");
  return JSON.parse(user.content);
}

/** Answers by echoing the first candidates' texts unchanged: a model that does exactly what it is told. */
export const echoFirst: Responder = (request) => {
  const data = sentData(request);
  return picks(data.candidates.slice(0, data.max_questions));
};

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  respond: Responder = echoFirst;
  #server: Server;
  #sockets = new Set<Socket>();
  #port = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      let raw = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => {
        raw += chunk;
      });
      req.on("end", () => {
        let body: RecordedRequest["body"] = {};
        try {
          body = JSON.parse(raw);
        } catch {
          // recorded as it came
        }
        const request = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, raw, body };
        this.requests.push(request);
        const reply = this.respond(request);
        const send = () => {
          if (reply.never) return;
          if (reply.hangUp) {
            req.socket.destroy();
            return;
          }
          const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
          res.writeHead(reply.status ?? 200, {
            "content-type": "application/json",
            ...(reply.stallBody ? {} : { "content-length": String(Buffer.byteLength(text)) }),
            ...reply.headers,
          });
          if (reply.stallBody) {
            res.flushHeaders();
            res.write(text.slice(0, 10));
            return;
          }
          res.end(text);
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI();
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** OPENAI_BASE_URL for this server. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/v1`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A base URL on which nothing listens (a port just closed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
