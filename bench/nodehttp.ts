// nodehttp.ts: the baseline of the http benchmark (bench/net.ts): Node's own `http`
// module serving what the fiber HTTP example serves for "/": 200, text/plain,
// "Hello, World!" with a Content-Length, keep-alive. Prints the line the benchmark waits for.
import http from "node:http";

const body = "Hello, World!";
const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
  res.end(body);
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`node http: serving on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`);
});
