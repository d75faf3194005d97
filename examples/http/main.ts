// The HTTP example: `npm run example:http -- --port 8080`, then
//   curl http://127.0.0.1:8080/            Hello, World!
//   curl http://127.0.0.1:8080/hello/ada   Hello, ada!
//   curl -d 'some text' http://127.0.0.1:8080/echo
//   curl http://127.0.0.1:8080/slow        answers after 200 ms; other requests are not held up
//   curl http://127.0.0.1:8080/stats       requests served so far
//   curl http://127.0.0.1:8080/fail        a handler that fails: 500 for that request only
// Flags: --host (default 127.0.0.1), --port (default 8080; 0 picks a free port).
import { sleep } from "weft";
import { listen, localPort, errorName, lastError, Errno } from "weft/io";
import { HttpServer, ResponseWriter, Request } from "./http";
import { intFlag, stringFlag } from "../flags";

const server = new HttpServer();

function hello(w: ResponseWriter, r: Request): void {
  w.setHeader("Content-Type", "text/plain");
  w.write("Hello, World!");
}

function helloName(w: ResponseWriter, r: Request): void {
  w.write("Hello, " + r.path.slice("/hello/".length) + "!\n");
}

function echo(w: ResponseWriter, r: Request): void {
  if (r.method != "POST") {
    w.writeHeader(405);
    w.write("POST a body to /echo\n");
    return;
  }
  w.setHeader("Content-Type", "application/octet-stream");
  w.writeBytes(r.body);
}

function slow(w: ResponseWriter, r: Request): void {
  sleep(200); // parks this request's fiber only
  w.write("slept 200 ms\n");
}

function fail(w: ResponseWriter, r: Request): void {
  // the handler's fiber fails (reported on stderr); its client gets a 500, nobody else notices
  throw new Error("this handler always fails");
}

function stats(w: ResponseWriter, r: Request): void {
  w.write("requests: " + server.requests.toString() + "\n");
}

export function main(): void {
  const host = stringFlag("--host", "127.0.0.1");
  const port = intFlag("--port", 8080);
  server.handleFunc("/", hello);
  server.handleFunc("/hello/", helloName);
  server.handleFunc("/echo", echo);
  server.handleFunc("/slow", slow);
  server.handleFunc("/fail", fail);
  server.handleFunc("/stats", stats);
  const listener = listen(host, port);
  if (listener < 0) throw new Error("http: listen: " + errorName(listener) + ": " + lastError());
  console.log("http: serving on http://" + host + ":" + localPort(listener).toString() + "/");
  const failure = server.serve(listener);
  // EBADF: the listener was closed (the host shuts the program down); anything else is news
  if (failure != Errno.EBADF) throw new Error("http: " + errorName(failure) + ": " + lastError());
}
