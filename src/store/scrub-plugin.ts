import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from "kysely";
import { scrubDeep, scrubText } from "../scrub.js";

// The store's own defence against text PostgreSQL cannot hold (see ../scrub.ts): every string parameter
// of every statement, whoever built it, is scrubbed before it is sent, so a NUL or a lone surrogate
// that slipped past a boundary costs one replaced character, never a failed write retried for ever.
// JSON is written as text (JSON.stringify), where both arrive as escapes (\u0000, \ud800) that only
// jsonb rejects; a parameter that is a JSON object or array holding such an escape is parsed,
// scrubbed and written again.

/** Cheap pre-check before parsing: a \u escape of NUL or of a surrogate, in either case. */
function mayHoldBadEscape(s: string): boolean {
  for (let i = s.indexOf("\\u"); i >= 0; i = s.indexOf("\\u", i + 2)) {
    const hex = s.slice(i + 2, i + 6).toLowerCase();
    if (hex === "0000" || (hex[0] === "d" && "89abcdef".includes(hex[1] ?? ""))) return true;
  }
  return false;
}

export function scrubParameter(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = scrubText(value);
  const first = text.trimStart()[0];
  if ((first !== "{" && first !== "[") || !mayHoldBadEscape(text)) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text; // Not JSON after all: plain text with a backslash in it.
  }
  const clean = scrubDeep(parsed);
  return clean === parsed ? text : JSON.stringify(clean);
}

class ScrubTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = scrubParameter(node.value);
    return value === node.value ? node : { ...node, value };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    const values = node.values.map(scrubParameter);
    return values.every((v, i) => v === node.values[i]) ? node : { ...node, values };
  }
}

export class ScrubPlugin implements KyselyPlugin {
  readonly #transformer = new ScrubTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
