// main joins a fiber that parks with nobody to wake it: every fiber is asleep.
import { spawn, park } from "weft";

function stuck(): void {
  park();
}

export function main(): void {
  spawn(stuck, "stuck").join();
  console.log("never printed");
}
