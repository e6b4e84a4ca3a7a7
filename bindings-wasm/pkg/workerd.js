// Cloudflare Workers (workerd) entry: the bundler imports the .wasm file as a compiled
// WebAssembly.Module (wrangler does by default; miniflare resolves no package: give it a
// wrangler bundle and a CompiledWasm module rule — README, "Cloudflare Workers").
import wasm from "./gen/wxkf_wasm_bg.wasm";
import { initSync } from "./gen/wxkf_wasm.js";

initSync({ module: wasm });

export * from "./lib/api.js";
