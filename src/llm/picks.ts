import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";

// The answer's shape (docs/llm.md): exactly {"questions": [{"id", "text"}]}, one to three items, asked
// for with Structured Outputs (response_format json_schema, strict) and parsed with the same schema, so
// a server that ignores response_format (some OpenAI-compatible ones do) is caught here, not trusted.

export const PicksSchema = z.strictObject({
  questions: z
    .array(z.strictObject({ id: z.string().max(200), text: z.string().max(1000) }))
    .min(1)
    .max(3),
});

export type ModelPick = z.infer<typeof PicksSchema>["questions"][number];

export const PICKS_FORMAT = zodResponseFormat(PicksSchema, "questions");
