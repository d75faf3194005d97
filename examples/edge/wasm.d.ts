// How edge platforms (and build.ts's bundle) hand over a wasm module: compiled.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
