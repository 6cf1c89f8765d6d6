import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isPremise, type Premise } from "../../src/coaching/premises.js";
import { isTheme, type Theme } from "../../src/coaching/taxonomy.js";
import { PACKAGE_ROOT } from "../../src/paths.js";

// The real seller posts (read at run time, never copied into the repository) and our labels for them,
// which refer to the posts by id only. docs/real-seller-posts.md explains the labels and the split.

export const POSTS_FILE = join(PACKAGE_ROOT, "..", "shared", "data", "real-seller-posts", "posts.jsonl");
export const LABELS_FILE = join(PACKAGE_ROOT, "test", "fixtures", "real-seller-labels.json");

export type Split = "tune" | "held_out";

export interface PostLabel {
  id: string;
  themes: Theme[];
  premises: Premise[];
  /** The post is about the seller as a person (burnout, despair, wanting to quit) more than the deal. */
  person: boolean;
  note: string;
  split: Split;
}

export interface RealPost {
  id: string;
  text: string;
}

/** The posts, or null (with the reason) when the shared data is not on this machine. */
export function loadPosts(file = POSTS_FILE): { posts: RealPost[] } | { posts: null; missing: string } {
  if (!existsSync(file)) return { posts: null, missing: `${file} is absent` };
  const posts = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as RealPost);
  return { posts };
}

/** The labels file, parsed and checked for shape; throws on an unknown theme or premise id. */
export function loadLabels(file = LABELS_FILE): PostLabel[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as { posts: PostLabel[] };
  for (const label of raw.posts) {
    for (const t of label.themes) if (!isTheme(t)) throw new Error(`${label.id}: unknown theme ${t}`);
    for (const p of label.premises) if (!isPremise(p)) throw new Error(`${label.id}: unknown premise ${p}`);
  }
  return raw.posts;
}

/**
 * Posts that must land on the same side of the split: a question and its follow-up report about the
 * same deal. Keyed by the id whose hash places the pair.
 */
export const KEEP_TOGETHER: Readonly<Record<string, string>> = { "Chefit/yrpi2": "Chefit/y21ca" };

function hash(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

/**
 * The split: posts grouped by subreddit (in name order), each group ordered by the SHA-256 of the id,
 * then dealt alternately to tune and held_out by one counter that runs across groups, so every
 * subreddit with two or more posts has some in each half and the halves differ in size by at most one.
 */
export function computeSplit(ids: readonly string[]): Map<string, Split> {
  const units = new Map<string, string[]>(); // placing id -> ids placed with it
  for (const id of ids) {
    const key = KEEP_TOGETHER[id] && ids.includes(KEEP_TOGETHER[id]) ? KEEP_TOGETHER[id] : id;
    units.set(key, [...(units.get(key) ?? []), id]);
  }
  const subreddit = (id: string) => id.slice(0, id.indexOf("/"));
  const ordered = [...units.keys()].sort((a, b) => {
    const bySub = subreddit(a).localeCompare(subreddit(b), "en");
    return bySub !== 0 ? bySub : hash(a).localeCompare(hash(b));
  });
  const split = new Map<string, Split>();
  ordered.forEach((key, i) => {
    for (const id of units.get(key) ?? []) split.set(id, i % 2 === 0 ? "tune" : "held_out");
  });
  return split;
}
