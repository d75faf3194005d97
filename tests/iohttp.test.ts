// The HTTP example: keep-alive, pipelining, bodies, routing, and bad requests that get
// an error status while every other client goes on being served.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import net from "node:net";
import { start, type Started } from "./iohelpers.js";

interface Response {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses every complete response in `data`. */
function parseResponses(data: Buffer): Response[] {
  const out: Response[] = [];
  let at = 0;
  for (;;) {
    const headEnd = data.indexOf("\r\n\r\n", at);
    if (headEnd < 0) break;
    const [statusLine, ...lines] = data.subarray(at, headEnd).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    if (headEnd + 4 + length > data.length) break;
    out.push({ status: Number(statusLine.split(" ")[1]), headers, body: data.subarray(headEnd + 4, headEnd + 4 + length).toString() });
    at = headEnd + 4 + length;
  }
  return out;
}

/** A raw connection: `send` bytes, `responses(n)` waits for n responses, `closed` for the server's close. */
class RawClient {
  private data = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.on("data", (d) => {
      this.data = Buffer.concat([this.data, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve, reject) => {
      this.socket.on("end", () => resolve());
      this.socket.on("error", reject);
    });
    this.closed.catch(() => {});
  }
  send(text: string | Buffer): void {
    this.socket.write(text);
  }
  async responses(n: number): Promise<Response[]> {
    while (parseResponses(this.data).length < n) await new Promise<void>((r) => this.waiters.push(r));
    return parseResponses(this.data);
  }
}

let run: Started;
let port = 0;
beforeAll(async () => {
  run = await start("examples/http/main.ts", { args: ["--port", "0"] });
  port = Number((await run.line(/^http: serving on http:\/\/127\.0\.0\.1:(\d+)\/$/))[1]);
});
afterAll(async () => {
  run.stop();
  const result = await run.done;
  expect(result.exitCode).toBe(0);
});

describe("HTTP server", () => {
  it("serves several requests on one connection (keep-alive), pipelined or not", async () => {
    const c = new RawClient(port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const [first] = await c.responses(1);
    expect(first.status).toBe(200);
    expect(first.body).toBe("Hello, World!");
    expect(first.headers["content-type"]).toBe("text/plain");
    expect(first.headers["content-length"]).toBe("13");
    expect(first.headers["date"]).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(first.headers["connection"]).toBeUndefined();
    // two more in one write, answered in order on the same connection
    c.send("GET /hello/ada HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello body!");
    const all = await c.responses(3);
    expect(all.map((r) => [r.status, r.body])).toEqual([
      [200, "Hello, World!"],
      [200, "Hello, ada!\n"],
      [200, "hello body!"],
    ]);
    // Connection: close is honoured
    c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const last = (await c.responses(4))[3];
    expect(last.headers["connection"]).toBe("close");
    await c.closed;
  });

  it("HTTP/1.0 closes unless asked to keep the connection", async () => {
    const c = new RawClient(port);
    c.send("GET / HTTP/1.0\r\n\r\n");
    expect((await c.responses(1))[0].headers["connection"]).toBe("close");
    await c.closed;
    const k = new RawClient(port);
    k.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    expect((await k.responses(1))[0].headers["connection"]).toBe("keep-alive");
    k.send("GET /hello/again HTTP/1.0\r\n\r\n");
    expect((await k.responses(2))[1].body).toBe("Hello, again!\n");
    await k.closed;
  });

  it("a body that arrives in pieces is read whole", async () => {
    const c = new RawClient(port);
    c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-");
    await new Promise((r) => setTimeout(r, 20));
    c.send("Length: 10\r\n\r\n01234");
    await new Promise((r) => setTimeout(r, 20));
    c.send("56789");
    expect((await c.responses(1))[0].body).toBe("0123456789");
    c.socket.end();
  });

  it("answers malformed requests with 400 (and other limits with their status), closing only that connection", async () => {
    const cases: [string, number, string][] = [
      ["GARBAGE\r\n\r\n", 400, "malformed request line"],
      ["GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400, "malformed header field"],
      ["GET / HTTP/1.1\r\n\r\n", 400, "missing Host header"],
      ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP version not supported"],
      ["GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400, "malformed HTTP version"],
      ["GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request target must be a path"],
      ["POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n", 400, "malformed Content-Length"],
      ["POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, "conflicting Content-Length headers"],
      ["GET / HTTP/1.1\r\nHost: x\r\nX: a\u0001b\r\n\r\n", 400, "control character in a header value"],
      ["POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501, "Transfer-Encoding is not implemented (send a Content-Length)"],
      ["POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413, "request body too large"],
      ["GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20000) + "\r\n\r\n", 431, "request header fields too large"],
      ["GET /fail HTTP/1.1\r\nHost: x\r\n\r\n", 500, "internal server error"],
    ];
    // well-behaved keep-alive clients, busy all along
    const good = Array.from({ length: 20 }, () => new RawClient(port));
    const rounds = 5;
    const served = Promise.all(
      good.map(async (c, i) => {
        for (let k = 1; k <= rounds; k++) {
          c.send(`GET /hello/c${i}r${k} HTTP/1.1\r\nHost: x\r\n\r\n`);
          await c.responses(k);
        }
        return c.responses(rounds);
      }),
    );
    const bad = cases.map(([request]) => {
      const c = new RawClient(port);
      c.send(request);
      return c;
    });
    for (let i = 0; i < cases.length; i++) {
      const [r] = await bad[i].responses(1);
      expect([r.status, r.body, r.headers["connection"]], cases[i][0].slice(0, 40)).toEqual([cases[i][1], cases[i][2] + "\n", "close"]);
      await bad[i].closed; // the server closed that connection
    }
    const answers = await served;
    answers.forEach((rs, i) => expect(rs.map((r) => r.body)).toEqual(Array.from({ length: rounds }, (_, k) => `Hello, c${i}r${k + 1}!\n`)));
    for (const c of good) c.socket.end();
    // the failing handler's fiber was reported, nothing else
    expect(run.stderr).toEqual([expect.stringMatching(/failed: this handler always fails/)]);
    // and the server still serves
    const after = new RawClient(port);
    after.send("GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect((await after.responses(1))[0].body).toMatch(/^requests: \d+\n$/);
  });
});
