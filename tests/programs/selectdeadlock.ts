// A select whose channels nobody serves: the dump names every case.
import { Channel, Select } from "weft";

export function main(): void {
  const sel = new Select();
  sel.recv(new Channel<i32>());
  sel.send(new Channel<string>(), "never");
  sel.wait();
}
