// Small linear scans for the few tests a backtracking regex can only write with `.*` between two
// parts ("how quickly ... you"), which re-reads the rest of the line from every occurrence of the
// first part: quadratic on a line full of them. Every regex in src/ must stay linear
// (test/unit/regex-linear-*.test.ts).

/** What the guard's families need from a pattern: a RegExp is one. */
export interface TextTest {
  test(text: string): boolean;
}

const LINE_BREAK = /[\n\r\u2028\u2029]/g;

/**
 * `first` followed, later on the same line, by `then`: what `/first.*then/` tests, in one pass.
 * Both must be linear on their own; the scan reads each of them once over the text.
 */
export function followedInLine(first: RegExp, then: RegExp): TextTest {
  const firstG = new RegExp(first.source, `${first.flags.replace("g", "")}g`);
  const thenG = new RegExp(then.source, `${then.flags.replace("g", "")}g`);
  const breakG = new RegExp(LINE_BREAK.source, "g");
  return {
    test(text: string): boolean {
      firstG.lastIndex = 0;
      // The next `then` and the next line break at or after a point, kept while that point moves on:
      // each of the three patterns reads the text once.
      let thenAt = -1;
      let thenFrom = -1;
      let breakAt = -1;
      let breakFrom = -1;
      for (let m = firstG.exec(text); m !== null; m = firstG.exec(text)) {
        const end = m.index + m[0].length;
        if (m[0].length === 0) firstG.lastIndex++;
        if (thenFrom < 0 || (thenAt >= 0 && thenAt < end) || thenFrom > end) {
          thenG.lastIndex = end;
          const t = thenG.exec(text);
          thenAt = t ? t.index : -1;
          thenFrom = end;
        }
        if (thenAt < 0) return false;
        if (breakFrom < 0 || (breakAt >= 0 && breakAt < end)) {
          breakG.lastIndex = end;
          const b = breakG.exec(text);
          breakAt = b ? b.index : -1;
          breakFrom = end;
        }
        if (breakAt < 0 || thenAt < breakAt) return true;
      }
      return false;
    },
  };
}
