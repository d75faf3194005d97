// A fiber blocked reading stdin does not stop the others: `npm run example:stdin`, type
// lines (each is echoed with the tick count so far), end with "quit" or Ctrl-D. A ticker
// fiber prints "tick N" every 100 ms all along.
import { spawn, Ticker, Channel, Select } from "weft";
import { LineReader, STDIN, errorName } from "weft/io";

const quit = new Channel<bool>(1);
let ticks = 0;

function ticker(): void {
  const t = new Ticker(100);
  const sel = new Select();
  sel.recv(t.channel);
  sel.recv(quit);
  while (sel.wait() == 0) {
    ticks++;
    console.log("tick " + ticks.toString());
  }
  t.stop();
}

export function main(): void {
  const tick = spawn(ticker, "ticker");
  const lines = new LineReader(STDIN);
  while (true) {
    const line = lines.readLine(); // parks main only: the ticker goes on
    if (line === null) {
      console.log(lines.error < 0 ? "stdin failed: " + errorName(lines.error) : "stdin ended");
      break;
    }
    if (line == "quit") break;
    console.log("read \"" + line + "\" after " + ticks.toString() + " ticks");
  }
  quit.send(true);
  tick.join();
  console.log("bye after " + ticks.toString() + " ticks");
}
