// load.ts: one call that loads a weft program from wherever a web environment keeps it.
//
// A page, a dedicated Worker and an edge handler each hold their module differently: a URL
// next to the page, a `fetch` Response, bytes from a cache or a bundler, or a compiled
// `WebAssembly.Module` (edge platforms hand wasm imports over compiled, and a module can
// be posted to a Worker). `loadProgram` takes any of them and ends in `WeftProgram.load`.
//
// Streaming: a response served as `application/wasm` is compiled while it downloads
// (`WebAssembly.compileStreaming`). Any other content type, or an environment without
// streaming compilation, falls back to reading the whole body first; the result is the
// same module.
//
// Rejected: `WebAssembly.instantiateStreaming`. It wants the import object before the
// module is known, but the host builds its imports from the module (its allocation hooks
// are bound only when the module imports them, and a missing import or export is reported
// by name before anything runs). `compileStreaming` streams the same compilation and
// leaves those checks intact; instantiating a compiled module is cheap.
//
// Only standard web APIs: fetch, Response, URL, WebAssembly.

import { WeftProgram, LoadError, type RuntimeOptions } from "./runtime.js";

/** Anything `loadProgram` accepts: a URL, a fetch response (or its promise), bytes, a compiled module. */
export type ProgramSource = string | URL | Response | PromiseLike<Response> | BufferSource | WebAssembly.Module;

/** The media type under which a response may be compiled while it streams. */
const WASM_TYPE = "application/wasm";

/**
 * Loads a weft program from a URL (fetched; relative to the page or worker), a fetch
 * Response, bytes or a compiled module. Throws LoadError naming what went wrong.
 */
export async function loadProgram(source: ProgramSource, options: RuntimeOptions = {}): Promise<WeftProgram> {
  const name = options.name ?? sourceName(source);
  const module = await compileProgram(source, name);
  return WeftProgram.load(module, { ...options, name });
}

/** Compiles a program source to a module, streaming when the response allows it. */
export async function compileProgram(source: ProgramSource, name = sourceName(source)): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (isBufferSource(source)) return compileBytes(source, name);
  const response = await fetchSource(source, name);
  if (!response.ok) {
    throw new LoadError(`cannot load ${name}: the server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`);
  }
  if (isWasmResponse(response) && typeof WebAssembly.compileStreaming === "function") {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      throw new LoadError(`${name} is not a valid WebAssembly module: ${(e as Error).message}`);
    }
  }
  let bytes: ArrayBuffer;
  try {
    bytes = await response.arrayBuffer();
  } catch (e) {
    throw new LoadError(`cannot read ${name}: ${(e as Error).message}`);
  }
  return compileBytes(bytes, name);
}

/** True when the response's media type allows streaming compilation. */
function isWasmResponse(response: Response): boolean {
  const type = response.headers.get("content-type") ?? "";
  return type.split(";")[0].trim().toLowerCase() === WASM_TYPE;
}

async function fetchSource(source: string | URL | Response | PromiseLike<Response>, name: string): Promise<Response> {
  if (typeof source === "string" || source instanceof URL) {
    try {
      return await fetch(source);
    } catch (e) {
      throw new LoadError(`cannot fetch ${name}: ${(e as Error).message}`);
    }
  }
  try {
    const response = await source;
    if (!(response instanceof Response)) throw new TypeError(`expected a Response, got ${describe(response)}`);
    return response;
  } catch (e) {
    if (e instanceof LoadError) throw e;
    throw new LoadError(`cannot load ${name}: ${(e as Error).message}`);
  }
}

async function compileBytes(bytes: BufferSource, name: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new LoadError(`${name} is not a valid WebAssembly module: ${(e as Error).message}`);
  }
}

function isBufferSource(source: unknown): source is BufferSource {
  return source instanceof ArrayBuffer || ArrayBuffer.isView(source);
}

/** A short name for messages: the last part of a URL's path, or what the source is. */
function sourceName(source: ProgramSource): string {
  if (typeof source === "string" || source instanceof URL) return lastSegment(String(source));
  if (source instanceof Response && source.url) return lastSegment(source.url);
  return "the module";
}

function lastSegment(url: string): string {
  const path = url.split(/[?#]/)[0];
  return path.slice(path.lastIndexOf("/") + 1) || url;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as object).constructor?.name ?? "an object";
}
