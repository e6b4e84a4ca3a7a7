// Deno entry: loads the WebAssembly module synchronously from the package folder.
import { initSync } from "./gen/wxkf_wasm.js";

initSync({ module: Deno.readFileSync(new URL("./gen/wxkf_wasm_bg.wasm", import.meta.url)) });

export * from "./lib/api.js";
