// colors.ts: whether text written to a stream may carry colour codes, and picocolors'
// functions bound to that answer.
//
// The rule (Node's own, for its messages): FORCE_COLOR set turns colour on (unless it is
// "0" or "false", which turn it off); otherwise NO_COLOR set to anything non-empty turns it
// off (https://no-color.org); otherwise colour goes only to a terminal (a TTY whose TERM
// is not "dumb").
// picocolors' own default looks at stdout whatever the stream, and colours any output
// when CI is set; weft writes its messages to stderr and into pipes and files, so it
// decides per stream.

import pc from "picocolors";

type Stream = { isTTY?: boolean };

/** True when `stream` may receive colour codes (see the rule above). */
export function colorEnabled(stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (env.NO_COLOR) return false;
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** picocolors' functions, active only when `stream` may receive colour. */
export function colorsFor(stream: Stream): ReturnType<typeof pc.createColors> {
  return pc.createColors(colorEnabled(stream));
}
