// flags.ts: the examples' command-line flags (`--port 8080`), from weft/io's `args()`.
import { args } from "weft/io";

/** The integer after `--name` in the program's arguments, or `fallback`. */
export function intFlag(name: string, fallback: i32): i32 {
  let list = args();
  for (let i = 0; i + 1 < list.length; i++) {
    if (list[i] == name) {
      let value = I32.parseInt(list[i + 1]);
      if (value.toString() != list[i + 1]) throw new Error(name + " needs an integer, got \"" + list[i + 1] + "\"");
      return value;
    }
  }
  return fallback;
}

/** The text after `--name`, or `fallback`. */
export function stringFlag(name: string, fallback: string): string {
  let list = args();
  for (let i = 0; i + 1 < list.length; i++) {
    if (list[i] == name) return list[i + 1];
  }
  return fallback;
}
