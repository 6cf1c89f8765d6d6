import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/paths.js";

// AnnoMI (../shared/data, see its README): expert-labelled motivational-interviewing utterances. The full
// file repeats 428 utterances once per annotator; we take the majority label per utterance.

export const ANNOMI_PATH = join(PACKAGE_ROOT, "..", "shared", "data", "AnnoMI-full.csv");

export function annomiAvailable(): boolean {
  return existsSync(ANNOMI_PATH);
}

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface Utterance {
  text: string;
  main: string;
  inputSubtype: string;
  inputExists: string;
  reflectionExists: string;
  questionSubtype: string;
}

function majority(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? "";
}

/** Unique therapist utterances with majority labels. */
export function therapistUtterances(): Utterance[] {
  const [header, ...rows] = parseCsv(readFileSync(ANNOMI_PATH, "utf8"));
  const col = (name: string) => {
    const i = header?.indexOf(name) ?? -1;
    if (i < 0) throw new Error(`AnnoMI column ${name} missing`);
    return i;
  };
  const c = {
    transcript: col("transcript_id"),
    utterance: col("utterance_id"),
    who: col("interlocutor"),
    text: col("utterance_text"),
    main: col("main_therapist_behaviour"),
    subtype: col("therapist_input_subtype"),
    inputExists: col("therapist_input_exists"),
    reflection: col("reflection_exists"),
    question: col("question_subtype"),
  };
  const groups = new Map<string, string[][]>();
  for (const r of rows) {
    if (r[c.who] !== "therapist") continue;
    const key = `${r[c.transcript]}/${r[c.utterance]}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => {
    const pick = (i: number) => majority(list.map((r) => r[i] ?? ""));
    return {
      text: list[0]?.[c.text] ?? "",
      main: pick(c.main),
      inputSubtype: pick(c.subtype),
      inputExists: pick(c.inputExists),
      reflectionExists: pick(c.reflection),
      questionSubtype: pick(c.question),
    };
  });
}
