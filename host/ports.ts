// ports.ts: the host side of ports (assembly/port.ts): named string channels between the
// page (or any JavaScript host) and the program's fibers. `program.ports` is one of these.
//
//   program.ports.send("commands", JSON.stringify({ go: 1 }));   // to fromHost("commands")
//   program.ports.on("results", (text) => ...);                    // from toHost("results")
//   program.ports.close("commands");                               // fromHost's channel closes
//
// Inbound: messages queue per name, from before the program opens the port until its pump
// takes them; a pump's receive is a host call completed when a message (or the close) is
// there. Outbound: a message the program posts is handed to the handlers in a microtask,
// after the scheduler slice: handlers may call back into the program (send, complete)
// without re-entering a running fiber. Messages posted to a name nobody listens to are
// kept until a handler arrives.
//
// Only standard web APIs: queueMicrotask.

import { readString } from "./abi.js";
import type { WeftProgram } from "./runtime.js";

/** A handler of an outbound port: each message, then null once the program closed it. */
export type PortHandler = (text: string | null) => void;

interface Inbound {
  queue: string[];
  closed: boolean;
  /** The pump's host call waiting for a message, or 0. */
  waiting: number;
  /** The message handed to the pump, until it copies it (`read`). */
  taken: string | null;
  /** The program opened it (a second receiver is refused). */
  opened: boolean;
}

/** The ports of one program. */
export class Ports {
  private readonly inbound = new Map<string, Inbound>();
  private readonly handlers = new Map<string, PortHandler[]>();
  private readonly unheard = new Map<string, (string | null)[]>();
  private catchAll: ((name: string, text: string | null) => void) | null = null;
  /** Port ids the program was given: index → name. */
  private readonly names: string[] = [];
  private flushing = false;

  constructor(private readonly program: () => WeftProgram) {}

  /** Sends `text` to the program's `fromHost(name)` channel (queued until a fiber takes it). */
  send(name: string, text: string): void {
    if (typeof text !== "string") throw new TypeError(`port "${name}" carries strings, got ${typeof text}`);
    const port = this.port(name);
    if (port.closed) throw new Error(`port "${name}" is closed`);
    port.queue.push(text);
    this.flush();
  }

  /** Closes port `name`: after the queued messages, the program's channel closes. */
  close(name: string): void {
    this.port(name).closed = true;
    this.flush();
  }

  /** Calls `handler` with each message the program sends to `name` (null: it closed the port). */
  on(name: string, handler: PortHandler): void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler);
    this.handlers.set(name, list);
    const kept = this.unheard.get(name);
    if (kept) {
      this.unheard.delete(name);
      queueMicrotask(() => kept.forEach((text) => handler(text)));
    }
  }

  /** Receives the messages of every outbound port that has no handler of its own (a bridge). */
  onAny(handler: (name: string, text: string | null) => void): void {
    this.catchAll = handler;
    for (const [name, kept] of this.unheard) queueMicrotask(() => kept.forEach((text) => handler(name, text)));
    this.unheard.clear();
  }

  /** @internal the `weft_port` import module. */
  imports(): Record<string, unknown> {
    const memory = () => this.program().exports.memory;
    return {
      open: (namePtr: number, outbound: number): number => {
        const name = readString(memory(), namePtr) ?? "";
        if (!outbound) {
          const port = this.port(name);
          if (port.opened) return -1;
          port.opened = true;
        }
        this.names.push(name);
        return this.names.length - 1;
      },
      recv: (token: number, id: number): void => {
        const port = this.port(this.names[id]);
        port.waiting = token;
        this.flush();
      },
      read: (id: number, into: number): void => {
        const port = this.port(this.names[id]);
        const text = port.taken ?? "";
        port.taken = null;
        const units = new Uint16Array(memory().buffer, into, text.length);
        for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
      },
      post: (id: number, textPtr: number): void => {
        const name = this.names[id];
        const text = textPtr ? readString(memory(), textPtr) : null;
        queueMicrotask(() => this.deliver(name, text));
      },
    };
  }

  private deliver(name: string, text: string | null): void {
    const list = this.handlers.get(name);
    if (list) for (const handler of list) handler(text);
    else if (this.catchAll) this.catchAll(name, text);
    else {
      const kept = this.unheard.get(name) ?? [];
      kept.push(text);
      this.unheard.set(name, kept);
    }
  }

  private port(name: string): Inbound {
    let port = this.inbound.get(name);
    if (!port) {
      port = { queue: [], closed: false, waiting: 0, taken: null, opened: false };
      this.inbound.set(name, port);
    }
    return port;
  }

  /** Completes waiting pumps, in a microtask (never inside a running fiber's import). */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      for (const port of this.inbound.values()) {
        if (!port.waiting) continue;
        const token = port.waiting;
        if (port.queue.length) {
          port.waiting = 0;
          port.taken = port.queue.shift()!;
          this.program().complete(token, port.taken.length);
        } else if (port.closed) {
          port.waiting = 0;
          this.program().completeError(token, "EOF", "the host closed the port");
        }
      }
    });
  }
}
