import type { ViewStateValue } from "@slack/bolt";

type State = Record<string, Record<string, ViewStateValue>>;

/** The value of one input: typed text or the selected option's value. */
export function inputValue(state: State, ids: readonly [string, string]): string | undefined {
  const v = state[ids[0]]?.[ids[1]];
  if (!v) return undefined;
  return (v.value ?? v.selected_option?.value ?? undefined) || undefined;
}
