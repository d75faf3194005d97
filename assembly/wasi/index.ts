// weft/wasi: what a WASI program (`weft build --target wasi`) has beyond the core API.
//
//   import { File, errorText } from "weft/wasi";
//
// Arguments and environment come from AssemblyScript's `process` (`process.argv`,
// `process.env`, `process.exit`), which the WASI target maps to WASI's calls.

export { File, errorName, errorText } from "./fs";
