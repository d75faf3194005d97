// port.ts: channels to and from the host, by name: how a page (or a worker's page, or any
// JavaScript host) talks with fibers.
//
//   const commands = fromHost("commands");     // the page: program.ports.send("commands", "go")
//   const results = new Channel<string | null>();
//   const forwarder = toHost("results", results); // the page: program.ports.on("results", (t) => ...)
//   let command = commands.recv();
//   while (command !== null) {                  // null: the page closed the port
//     results.send("did " + command!);
//     command = commands.recv();
//   }
//   results.close();                            // the page's handler gets null ...
//   forwarder.join();                           // ... before main returns and the program ends
//
// Values are strings (JSON or any text): the one type both sides have without a schema.
// Each port is an ordinary Channel<string | null>, so fibers can select on it, time out on
// it, and pass it around like any other. Behind each one runs a small pump fiber:
//   from the host:  HostCall "port recv" ─► the host completes it when a message is there
//                   (its length); the pump copies it into a new string and sends it on;
//   to the host:    recv from the channel ─► the `weft_port.post` import (the host hands it
//                   to the page's handler after the scheduler slice, never during it).
//                   A send returns once the pump has the value, which it posts when it
//                   next runs: join the pump (`toHost` returns it) after closing the
//                   channel, and every message has reached the host. A program ends when
//                   `main` returns, and a pump still holding a message would lose it.
// An inbound port waiting for the host counts as a host call in flight: the program waits
// for the page instead of ending in a deadlock. Messages the page sends before the program
// opens the port are kept for it.
//
// The pumps are ordinary fibers: they end when the page closes the port (inbound) or the
// program closes the channel (outbound), or when their scope is cancelled.
//
// Rejected: the host writing into the channel directly from outside any fiber (a full
// channel would need the host to retry, and a fiber waiting on it would look deadlocked);
// typed ports (i32, f64, bytes): strings cover the page's needs, and numbers cross as text.

import { Fiber } from "./fiber";
import { Outcome } from "./record";
import { misuseOf } from "./failure";
import { HostCall } from "./hostcall";
import { spawnWith } from "./sched/spawn";
import { outcome } from "./sched/wait";
import { Channel } from "./sync/channel";

// @ts-ignore: decorator
@external("weft_port", "open")
declare function portOpen(name: string, outbound: bool): i32;
// @ts-ignore: decorator
@external("weft_port", "recv")
declare function portRecv(token: u32, port: i32): void;
// @ts-ignore: decorator
@external("weft_port", "read")
declare function portRead(port: i32, into: usize): void;
// @ts-ignore: decorator
@external("weft_port", "post")
declare function portPost(port: i32, text: string | null): void;

class Pump {
  constructor(public port: i32, public name: string, public channel: Channel<string | null>) {}
}

/**
 * A channel that receives the messages the host sends to port `name`, in order. It closes
 * when the host closes the port. One receiving channel per name.
 */
export function fromHost(name: string, capacity: i32 = 0): Channel<string | null> {
  let port = portOpen(name, false);
  if (port < 0) misuseOf("port \"" + name + "\" is already open for receiving");
  let channel = new Channel<string | null>(capacity);
  spawnWith(pumpIn, new Pump(port, name, channel), "from host: " + name);
  return channel;
}

/**
 * Forwards `channel`'s messages to the host's port `name`, in order, until the channel is
 * closed (the host's handler then gets null); null values are not sent. Returns the
 * forwarding fiber: join it after closing the channel to know every message was posted.
 */
export function toHost(name: string, channel: Channel<string | null>): Fiber {
  return spawnWith(pumpOut, new Pump(portOpen(name, true), name, channel), "to host: " + name);
}

function pumpIn(pump: Pump): void {
  while (true) {
    let call = new HostCall("port recv " + pump.name);
    portRecv(call.token, pump.port);
    if (call.wait() != Outcome.Ok) return; // cancelled: the host drops what it had taken
    if (call.failed) {
      // the host closed the port
      pump.channel.close();
      return;
    }
    let units = <i32>call.result;
    let text = changetype<string>(__new(<usize>units << 1, idof<string>()));
    portRead(pump.port, changetype<usize>(text));
    if (pump.channel.send(text) != Outcome.Ok) return;
  }
}

function pumpOut(pump: Pump): void {
  while (true) {
    let text = pump.channel.recv();
    let how = outcome();
    if (how == Outcome.Closed) {
      portPost(pump.port, null);
      return;
    }
    if (how != Outcome.Ok) return;
    if (text !== null) portPost(pump.port, text);
  }
}
