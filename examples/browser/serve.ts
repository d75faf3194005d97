// `npm run demo:browser`: serves the live view (examples/browser/) on localhost, building
// it first when a source is newer than the build. Options: --port N (default 8080, or
// $PORT), --host H (default 127.0.0.1).

import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import sirv from "sirv";
import { buildBrowserDemo, outDir, stale } from "./build.js";

/**
 * Serves `dir` (wasm as application/wasm, nothing cached), with `headers` on every answer;
 * resolves with the server's URL.
 */
export async function serveStatic(dir: string, port = 0, host = "127.0.0.1", headers: Record<string, string> = {}): Promise<{ server: http.Server; url: string }> {
  const files = sirv(dir, { dev: true, etag: false, setHeaders: (res) => Object.entries(headers).forEach(([k, v]) => res.setHeader(k, v)) });
  const server = http.createServer((req, res) =>
    files(req, res, () => {
      res.statusCode = 404;
      res.end("not found");
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}/` };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg("--port") ?? process.env.PORT ?? 8080);
  const host = arg("--host") ?? "127.0.0.1";
  if (await stale()) await buildBrowserDemo(outDir, (line) => console.log(line));
  try {
    const { url } = await serveStatic(outDir, port, host);
    console.log(`weft live view: ${url}   (serving ${path.relative(process.cwd(), outDir) || "."}; Ctrl-C stops)`);
    console.log(`  try ${url}?topology=sieve&fibers=2000&run=1 or ${url}?topology=ring&fibers=10000&where=worker&run=1`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    console.error(code === "EADDRINUSE" ? `port ${port} is in use; choose another with --port N` : `cannot serve: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
